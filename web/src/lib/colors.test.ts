import { describe, expect, it } from "vitest";
import { agentColor, setKnownAgents } from "./colors";

describe("agentColor", () => {
  it("gives every known agent its own colour, stable whatever the order given", () => {
    const fleet = ["coder", "critic", "orchestrator", "planner", "researcher", "reviewer",
      "summarizer", "tester", "writer"];
    setKnownAgents([...fleet].reverse());
    const colours = fleet.map(agentColor);
    expect(new Set(colours).size).toBe(fleet.length);
    setKnownAgents(fleet);
    expect(fleet.map(agentColor)).toEqual(colours);
  });

  it("colours an unknown agent by its name, the same every time, and no agent grey", () => {
    setKnownAgents([]);
    expect(agentColor("newcomer")).toBe(agentColor("newcomer"));
    expect(agentColor("newcomer")).toMatch(/^#[0-9a-f]{6}$/);
    expect(agentColor("")).toBe("#8a8f98");
  });
});
