// Prompt, completion and tool-call content found in span attributes and events, turned into
// readable messages: JSON pretty-printed, flattened message lists (gen_ai.prompt.0.role,
// llm.input_messages.0.message.content, gen_ai.prompt.user) put back together. Pure; unit-tested.

export interface Msg {
  /** "user", "assistant", "system", "tool", a field name, or "" for a bare value. */
  role: string;
  text: string;
  /** The text is pretty-printed JSON. */
  json: boolean;
}

export type ContentGroup = "input" | "output" | "tool";

export interface ContentSection {
  /** The attribute (or prefix) it came from. */
  key: string;
  title: string;
  group: ContentGroup;
  messages: Msg[];
}

interface Family {
  prefix: string;
  group: ContentGroup;
  title: string;
}

const FAMILIES: Family[] = [
  { prefix: "gen_ai.system_instructions", group: "input", title: "System instructions" },
  { prefix: "gen_ai.input.messages", group: "input", title: "Input messages" },
  { prefix: "gen_ai.prompt", group: "input", title: "Prompt" },
  { prefix: "llm.input_messages", group: "input", title: "Input messages" },
  { prefix: "llm.prompts", group: "input", title: "Prompts" },
  { prefix: "input.value", group: "input", title: "Input" },
  { prefix: "ai.prompt", group: "input", title: "Prompt" },
  { prefix: "gen_ai.output.messages", group: "output", title: "Output messages" },
  { prefix: "gen_ai.completion", group: "output", title: "Completion" },
  { prefix: "llm.output_messages", group: "output", title: "Output messages" },
  { prefix: "output.value", group: "output", title: "Output" },
  { prefix: "ai.response", group: "output", title: "Response" },
  { prefix: "gen_ai.tool.call.arguments", group: "tool", title: "Tool arguments" },
  { prefix: "gen_ai.tool.call.result", group: "tool", title: "Tool result" },
];

// ai.response.* carries metadata next to the content; these are not content.
const AI_RESPONSE_META = new Set(["id", "model", "timestamp", "finishReason", "msToFirstChunk", "msToFinish", "avgCompletionTokensPerSecond", "avgOutputTokensPerSecond", "providerMetadata"]);
const ROLE_WORDS = new Set(["system", "user", "assistant", "tool", "developer", "function", "model"]);

function familyOf(key: string): Family | null {
  for (const f of FAMILIES) {
    if (key === f.prefix) return f;
    if (key.startsWith(f.prefix + ".")) {
      if (f.prefix === "ai.response" && AI_RESPONSE_META.has(key.slice(f.prefix.length + 1))) return null;
      return f;
    }
  }
  return null;
}

/** True for attributes holding prompts, completions, messages or tool arguments/results. */
export function isContentKey(key: string): boolean {
  return familyOf(key) !== null;
}

/** Parses a string that looks like JSON (object or array); undefined otherwise. */
export function parseJsonish(s: string): unknown {
  const t = s.trim();
  if (!(t.startsWith("{") && t.endsWith("}")) && !(t.startsWith("[") && t.endsWith("]"))) return undefined;
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/** A value as readable text: JSON (objects, arrays, JSON strings) pretty-printed. */
export function prettyValue(v: unknown): { text: string; json: boolean } {
  if (typeof v === "string") {
    const parsed = parseJsonish(v);
    if (parsed !== undefined) return { text: JSON.stringify(parsed, null, 2), json: true };
    return { text: v, json: false };
  }
  if (v === null || v === undefined) return { text: String(v), json: false };
  if (typeof v === "object") return { text: JSON.stringify(v, null, 2), json: true };
  return { text: String(v), json: false };
}

/** A one-line rendering for tables: strings as they are, anything else as JSON. */
export function compactValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  return JSON.stringify(v);
}

export interface Clipped {
  head: string;
  truncated: boolean;
  totalLines: number;
}

/** The first `maxLines` lines (and at most `maxChars` characters) of a long text. */
export function clipText(text: string, maxLines = 20, maxChars = 1500): Clipped {
  const lines = text.split("\n");
  let head = lines.length > maxLines ? lines.slice(0, maxLines).join("\n") : text;
  let truncated = lines.length > maxLines;
  if (head.length > maxChars) {
    head = head.slice(0, maxChars);
    truncated = true;
  }
  return { head, truncated, totalLines: lines.length };
}

function partText(p: unknown): { text: string; json: boolean } {
  if (typeof p === "string") return prettyValue(p);
  if (p && typeof p === "object") {
    const o = p as Record<string, unknown>;
    if (typeof o.text === "string") return { text: o.text, json: false };
    if (typeof o.content === "string" && (o.type === undefined || o.type === "text")) return { text: o.content, json: false };
  }
  return prettyValue(p);
}

function contentText(c: unknown): { text: string; json: boolean } {
  if (Array.isArray(c)) {
    const parts = c.map(partText);
    return { text: parts.map((p) => p.text).join("\n"), json: parts.some((p) => p.json) };
  }
  return partText(c);
}

/** Messages out of a parsed value: [{role, content|parts}], {messages:[...]} or undefined. */
export function messagesFromJson(v: unknown): Msg[] | undefined {
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.messages)) {
      const inner = messagesFromJson(o.messages);
      if (inner) {
        const sys = typeof o.system === "string" ? [{ role: "system", text: o.system, json: false }] : [];
        return [...sys, ...inner];
      }
    }
    return undefined;
  }
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: Msg[] = [];
  for (const m of v) {
    if (!m || typeof m !== "object" || Array.isArray(m)) return undefined;
    const o = m as Record<string, unknown>;
    const inner = (o.message && typeof o.message === "object" ? o.message : o) as Record<string, unknown>;
    if (typeof inner.role !== "string") return undefined;
    const body = inner.content ?? inner.parts ?? inner.text;
    const ct = body === undefined ? { text: "", json: false } : contentText(body);
    const extra: string[] = [];
    for (const k of ["tool_calls", "function_call", "tool_call_id"]) {
      if (inner[k] !== undefined) extra.push(`${k}: ${JSON.stringify(inner[k], null, 2)}`);
    }
    const role = typeof inner.name === "string" && inner.name ? `${inner.role} (${inner.name})` : inner.role;
    out.push({ role, text: [ct.text, ...extra].filter(Boolean).join("\n"), json: ct.json || extra.length > 0 });
  }
  return out;
}

function valueMessages(label: string, v: unknown): Msg[] {
  const parsed = typeof v === "string" ? parseJsonish(v) : v;
  const msgs = parsed !== undefined && typeof parsed === "object" ? messagesFromJson(parsed) : undefined;
  if (msgs) return msgs;
  const p = prettyValue(v);
  return [{ role: label, text: p.text, json: p.json }];
}

/**
 * The content sections of a span: one per attribute family present, inputs first, then outputs,
 * then tool arguments and results. Events named gen_ai.* (gen_ai.user.message, gen_ai.choice,
 * gen_ai.content.prompt, …) contribute too.
 */
export function extractContent(
  attrs: Record<string, unknown>,
  events: Array<{ name: string; attributes?: Record<string, unknown> }> = [],
): ContentSection[] {
  const byFamily = new Map<Family, Array<[string, unknown]>>();
  const add = (k: string, v: unknown) => {
    const f = familyOf(k);
    if (!f) return false;
    let list = byFamily.get(f);
    if (!list) byFamily.set(f, (list = []));
    list.push([k, v]);
    return true;
  };
  for (const [k, v] of Object.entries(attrs ?? {})) add(k, v);
  const eventMsgs: { input: Msg[]; output: Msg[] } = { input: [], output: [] };
  for (const e of events ?? []) {
    if (!e.name?.startsWith("gen_ai.")) continue;
    const a = e.attributes ?? {};
    let used = false;
    for (const [k, v] of Object.entries(a)) used = add(k, v) || used;
    if (used) continue;
    const body = a.content ?? a.message ?? a["gen_ai.event.content"];
    if (body === undefined) continue;
    const m = /^gen_ai\.(\w+)\.message$/.exec(e.name);
    const role = typeof a.role === "string" ? a.role : m ? m[1] : e.name === "gen_ai.choice" ? "assistant" : e.name;
    const msgs = valueMessages(role, body).map((x) => (x.role === role || !x.role ? { ...x, role } : x));
    (e.name === "gen_ai.choice" || role === "assistant" ? eventMsgs.output : eventMsgs.input).push(...msgs);
  }

  const sections: ContentSection[] = [];
  if (eventMsgs.input.length) sections.push({ key: "events", title: "Prompt (events)", group: "input", messages: eventMsgs.input });
  for (const f of FAMILIES) {
    const entries = byFamily.get(f);
    if (!entries) continue;
    const indexed = new Map<number, Record<string, unknown>>();
    const msgs: Msg[] = [];
    for (const [k, v] of entries) {
      if (k === f.prefix) {
        msgs.push(...valueMessages("", v));
        continue;
      }
      const suffix = k.slice(f.prefix.length + 1);
      const im = /^(\d+)\.(?:message\.)?(.+)$/.exec(suffix);
      if (im) {
        const i = Number(im[1]);
        let rec = indexed.get(i);
        if (!rec) indexed.set(i, (rec = {}));
        rec[im[2]] = v;
      } else if (ROLE_WORDS.has(suffix)) {
        msgs.push(...valueMessages(suffix, v).map((m) => (m.role ? m : { ...m, role: suffix })));
      } else {
        msgs.push(...valueMessages(suffix, v));
      }
    }
    const idx = [...indexed.keys()].sort((a, b) => a - b);
    for (const i of idx) {
      const rec = indexed.get(i)!;
      const role = typeof rec.role === "string" ? rec.role : `#${i}`;
      const parts: string[] = [];
      let json = false;
      if (rec.content !== undefined) {
        const p = prettyValue(rec.content);
        parts.push(p.text);
        json = p.json;
      }
      for (const [k, v] of Object.entries(rec)) {
        if (k === "role" || k === "content") continue;
        parts.push(`${k}: ${compactValue(v)}`);
      }
      msgs.push({ role, text: parts.join("\n"), json });
    }
    if (msgs.length) sections.push({ key: f.prefix, title: f.title, group: f.group, messages: msgs });
  }
  if (eventMsgs.output.length) sections.push({ key: "events", title: "Completion (events)", group: "output", messages: eventMsgs.output });
  const rank: Record<ContentGroup, number> = { input: 0, output: 1, tool: 2 };
  return sections.map((s, i) => [s, i] as const).sort((a, b) => rank[a[0].group] - rank[b[0].group] || a[1] - b[1]).map(([s]) => s);
}
