// The findings of /api/v1/findings (docs/api.md "Findings store") and the little logic the
// findings page needs.

import type { StoredFinding } from "../lib/findings";

export const FINDING_KINDS = ["comb", "retry_storm", "straggler", "broken_propagation", "root_cause", "runaway_cost"] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export const KIND_LABELS: Record<FindingKind, string> = {
  comb: "comb",
  retry_storm: "retry storm",
  straggler: "straggler",
  broken_propagation: "broken propagation",
  root_cause: "root cause",
  runaway_cost: "runaway cost",
};

// The findings store's form of a finding.
export type Finding = StoredFinding;

// The trace view with the finding selected.
export function findingHref(f: Pick<Finding, "trace_id" | "key">): string {
  return `/traces/${encodeURIComponent(f.trace_id)}?finding=${encodeURIComponent(f.key)}`;
}

// "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago" (times in unix nanoseconds).
export function relativeAge(thenNs: number, nowNs: number): string {
  const s = Math.max(0, (nowNs - thenNs) / 1e9);
  if (s < 5) return "just now";
  if (s < 60) return `${Math.floor(s)} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}
