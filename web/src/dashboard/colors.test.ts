import { describe, expect, it } from "vitest";
import { agentColor } from "../lib/colors";
import { OTHER_COLOR, PALETTE, seriesColorMap } from "./colors";

describe("seriesColorMap", () => {
  it("agents keep agentColor while it is free", () => {
    const m = seriesColorMap([["planner", "researcher"]], "agent");
    expect(m.get("planner")).toBe(agentColor("planner"));
    expect(m.get("researcher")).toBe(agentColor("researcher"));
  });

  it("gives a distinct colour to agents whose agentColor is already taken", () => {
    // coder, reviewer and summarizer hash to the same palette slot
    const keys = ["reviewer", "planner", "summarizer", "coder", "researcher", "orchestrator"];
    const m = seriesColorMap([keys], "agent");
    expect(m.get("reviewer")).toBe(agentColor("reviewer"));
    expect(new Set(keys.map((k) => m.get(k))).size).toBe(keys.length);
  });

  it("one colour per key across charts; 'other' is grey", () => {
    const m = seriesColorMap([["gpt-4o", "o3", "other"], ["o3", "claude", "gpt-4o"]], "model");
    expect(m.get("gpt-4o")).toBe(PALETTE[0]);
    expect(m.get("o3")).toBe(PALETTE[1]);
    expect(m.get("claude")).toBe(PALETTE[2]);
    expect(m.get("other")).toBe(OTHER_COLOR);
  });
});
