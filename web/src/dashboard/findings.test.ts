import { describe, expect, it } from "vitest";
import { FINDING_KINDS, KIND_LABELS, findingHref, relativeAge } from "./findings";

describe("findings helpers", () => {
  it("links to the trace with the finding selected, key encoded", () => {
    expect(findingHref({ trace_id: "21dfa376e8b5a7fc8f1ed4576f272dcc", key: "runaway_cost:agent:reviewer" })).toBe(
      "/traces/21dfa376e8b5a7fc8f1ed4576f272dcc?finding=runaway_cost%3Aagent%3Areviewer",
    );
    const url = new URL(findingHref({ trace_id: "ab", key: "comb:1&x=2" }), "http://x");
    expect(url.searchParams.get("finding")).toBe("comb:1&x=2");
  });

  it("knows the six kinds of docs/api.md", () => {
    expect([...FINDING_KINDS].sort()).toEqual(["broken_propagation", "comb", "retry_storm", "root_cause", "runaway_cost", "straggler"]);
    for (const k of FINDING_KINDS) expect(KIND_LABELS[k]).toBeTruthy();
  });

  it("says how long ago", () => {
    const now = 1_000_000e9;
    expect(relativeAge(now - 1e9, now)).toBe("just now");
    expect(relativeAge(now - 42e9, now)).toBe("42 s ago");
    expect(relativeAge(now - 5 * 60e9, now)).toBe("5 min ago");
    expect(relativeAge(now - 3 * 3600e9, now)).toBe("3 h ago");
    expect(relativeAge(now - 2 * 86400e9, now)).toBe("2 d ago");
    expect(relativeAge(now + 10e9, now)).toBe("just now"); // clock skew
  });
});
