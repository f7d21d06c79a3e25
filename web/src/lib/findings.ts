// A finding as the API returns it (docs/api.md "Diagnosis"): in a trace's diagnosis, and with
// its first-seen / updated times in the findings store (/api/v1/findings).
export interface Finding {
  kind: string;
  severity: "info" | "warning" | "critical" | string;
  summary: string;
  trace_id: string;
  trace_ids: string[];
  span_ids: string[];
  agent: string;
  key: string;
  evidence: Record<string, unknown>;
  wasted_tokens: number;
  wasted_cost_usd: number;
}

export interface StoredFinding extends Finding {
  first_seen_unix_nano: string;
  updated_unix_nano: string;
}
