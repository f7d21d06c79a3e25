import { describe, expect, it } from "vitest";
import { clipText, compactValue, extractContent, isContentKey, messagesFromJson, parseJsonish, prettyValue } from "./prompt";

describe("value formatting", () => {
  it("pretty-prints JSON strings, objects and arrays", () => {
    expect(prettyValue('{"path":"src/a.py","n":2}')).toEqual({ text: '{\n  "path": "src/a.py",\n  "n": 2\n}', json: true });
    expect(prettyValue([1, 2])).toEqual({ text: "[\n  1,\n  2\n]", json: true });
    expect(prettyValue("plain {text}")).toEqual({ text: "plain {text}", json: false });
    expect(prettyValue("{not json}")).toEqual({ text: "{not json}", json: false });
    expect(prettyValue(42)).toEqual({ text: "42", json: false });
    expect(parseJsonish("  [1]  ")).toEqual([1]);
    expect(parseJsonish("1")).toBeUndefined();
    expect(compactValue({ a: 1 })).toBe('{"a":1}');
    expect(compactValue("x")).toBe("x");
  });
  it("clips long text to the first lines and says so", () => {
    const text = Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n");
    const c = clipText(text, 20);
    expect(c.truncated).toBe(true);
    expect(c.totalLines).toBe(50);
    expect(c.head.split("\n")).toHaveLength(20);
    expect(c.head.endsWith("line 19")).toBe(true);
    expect(clipText("short", 20)).toEqual({ head: "short", truncated: false, totalLines: 1 });
    expect(clipText("x".repeat(10_000), 20, 100).head).toHaveLength(100);
  });
});

describe("content keys", () => {
  it("recognises prompt, completion, message and tool attributes", () => {
    for (const k of ["gen_ai.prompt", "gen_ai.prompt.0.content", "gen_ai.prompt.user", "gen_ai.completion.0.content", "gen_ai.input.messages",
      "gen_ai.output.messages", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "input.value", "output.value",
      "llm.input_messages.0.message.content", "ai.prompt.messages", "ai.response.text"]) expect(isContentKey(k)).toBe(true);
    for (const k of ["gen_ai.request.model", "gen_ai.usage.input_tokens", "ai.response.model", "gen_ai.prompt_tokens", "http.method"]) expect(isContentKey(k)).toBe(false);
  });
});

describe("extractContent", () => {
  it("rebuilds flattened indexed messages (OpenLLMetry / OpenInference)", () => {
    const s = extractContent({
      "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": "What is 2+2?",
      "gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "Be brief.",
      "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "4",
      "gen_ai.request.model": "gpt-4o",
    });
    expect(s.map((x) => x.title)).toEqual(["Prompt", "Completion"]);
    expect(s[0].messages.map((m) => [m.role, m.text])).toEqual([["system", "Be brief."], ["user", "What is 2+2?"]]);
    expect(s[1].messages[0]).toEqual({ role: "assistant", text: "4", json: false });
    const oi = extractContent({ "llm.input_messages.0.message.role": "user", "llm.input_messages.0.message.content": "hi" });
    expect(oi[0].messages[0]).toMatchObject({ role: "user", text: "hi" });
  });
  it("uses role-named keys (gen_ai.prompt.user) as the role", () => {
    const s = extractContent({ "gen_ai.prompt.system": "You are a coder.", "gen_ai.prompt.user": "Fix the bug" });
    expect(s[0].messages.map((m) => m.role)).toEqual(["system", "user"]);
  });
  it("expands JSON message arrays (gen_ai.input.messages with parts) and pretty-prints tool calls", () => {
    const s = extractContent({
      "gen_ai.tool.call.arguments": '{"path":"src/gateway/limits.py"}',
      "gen_ai.input.messages": JSON.stringify([
        { role: "user", parts: [{ type: "text", content: "Read the file" }] },
        { role: "assistant", parts: [{ type: "tool_call", name: "read_file", arguments: { path: "x" } }] },
      ]),
    });
    expect(s.map((x) => x.group)).toEqual(["input", "tool"]);
    expect(s[0].messages[0]).toEqual({ role: "user", text: "Read the file", json: false });
    expect(s[0].messages[1].role).toBe("assistant");
    expect(s[0].messages[1].json).toBe(true);
    expect(s[0].messages[1].text).toContain('"name": "read_file"');
    expect(s[1].messages[0]).toEqual({ role: "", text: '{\n  "path": "src/gateway/limits.py"\n}', json: true });
  });
  it("reads OpenAI-style messages and the Vercel AI SDK's ai.prompt", () => {
    expect(messagesFromJson([{ role: "user", content: "hi" }, { role: "assistant", content: null, tool_calls: [{ id: "1" }] }])?.map((m) => m.role))
      .toEqual(["user", "assistant"]);
    const s = extractContent({ "ai.prompt": JSON.stringify({ system: "sys", messages: [{ role: "user", content: [{ type: "text", text: "yo" }] }] }), "ai.response.text": "hello", "ai.response.model": "m" });
    expect(s[0].messages).toEqual([{ role: "system", text: "sys", json: false }, { role: "user", text: "yo", json: false }]);
    expect(s[1].messages).toEqual([{ role: "text", text: "hello", json: false }]);
    expect(messagesFromJson([{ foo: 1 }])).toBeUndefined();
  });
  it("takes gen_ai.* events as messages", () => {
    const s = extractContent({}, [
      { name: "gen_ai.user.message", attributes: { content: "hello" } },
      { name: "gen_ai.choice", attributes: { message: '{"role":"assistant","content":"hi!"}' } },
      { name: "exception", attributes: { "exception.message": "boom" } },
    ]);
    expect(s.map((x) => [x.group, x.messages[0].role, x.messages[0].text])).toEqual([["input", "user", "hello"], ["output", "assistant", '{\n  "role": "assistant",\n  "content": "hi!"\n}']]);
  });
  it("returns nothing for spans without content", () => {
    expect(extractContent({ "http.method": "GET" })).toEqual([]);
  });
});
