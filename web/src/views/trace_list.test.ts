import { describe, expect, it } from "vitest";
import { apiParams, badgesByTrace, localToNs, matchesSearch, nsToLocal, type TraceSummary } from "./trace_list";
import type { Finding } from "../waterfall/data";

const f = (kind: string, trace_id: string, severity = "warning", trace_ids: string[] = []): Finding => ({
  kind, severity, summary: `${kind} in ${trace_id}`, trace_id, trace_ids, span_ids: [], agent: "", key: `${kind}:${trace_id}:${severity}`, evidence: {}, wasted_tokens: 0, wasted_cost_usd: 0,
});

describe("trace list helpers", () => {
  it("passes the URL's filters to the API, without the client-side search, with a default limit", () => {
    const p = apiParams(new URLSearchParams("agent=coder&q=orch&since=all&status=error&attr.demo.step=plan&service="));
    expect(p.toString()).toBe("agent=coder&status=error&attr.demo.step=plan&limit=100");
    expect(apiParams(new URLSearchParams("since=15m&limit=5")).toString()).toBe("since=15m&limit=5");
    expect(apiParams(new URLSearchParams("live=1&agent=coder")).toString()).toBe("agent=coder&limit=100");
  });
  it("one badge per finding kind per trace, the most severe kept; broken propagation badges every trace of the group", () => {
    const b = badgesByTrace([f("comb", "A"), f("comb", "A", "critical"), f("straggler", "A", "info"), f("broken_propagation", "B", "warning", ["B", "C"])]);
    expect([...b.get("A")!.keys()]).toEqual(["comb", "straggler"]);
    expect(b.get("A")!.get("comb")).toMatchObject({ count: 2, finding: { severity: "critical" } });
    expect([...b.get("B")!.keys()]).toEqual(["broken_propagation"]);
    expect([...b.get("C")!.keys()]).toEqual(["broken_propagation"]);
  });
  it("searches root name, service and id, case-insensitively", () => {
    const t = { trace_id: "abc123", root_name: "invoke_agent Orchestrator", root_service: "demo" } as TraceSummary;
    expect(matchesSearch(t, "orchestr")).toBe(true);
    expect(matchesSearch(t, "DEMO")).toBe(true);
    expect(matchesSearch(t, "abc1")).toBe(true);
    expect(matchesSearch(t, "coder")).toBe(false);
  });
  it("converts custom times to unix nanoseconds and back", () => {
    const ns = localToNs("2026-11-25T04:30:15");
    expect(ns).toMatch(/^\d{19}$/);
    expect(nsToLocal(ns)).toBe("2026-11-25T04:30:15");
    expect(nsToLocal("15m")).toBe("");
    expect(localToNs("garbage")).toBe("");
  });
});
