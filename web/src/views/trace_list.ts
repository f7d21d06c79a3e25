// The trace list (/ and /traces): the query API's filters, all kept in the URL (same parameter
// names as /api/v1/traces, plus q for the client-side search on the root name), newest first,
// with each trace's agents, counts, tokens, cost, duration and a badge per finding kind.
import "./trace_list.css";
import { h, clear } from "../lib/dom";
import { getJson } from "../lib/api";
import { type Route, navigate, setQuery } from "../lib/router";
import { agentColor } from "../lib/colors";
import { formatCost, formatDuration, formatTime, formatTokens } from "../lib/format";
import type { Finding } from "../waterfall/data";

type Unmount = () => void;

export interface TraceSummary {
  trace_id: string;
  root_name: string;
  root_service: string;
  start_unix_nano: string;
  duration_ns: string;
  span_count: number;
  error_count: number;
  agents: string[];
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
}

export const TIME_PRESETS = ["15m", "1h", "6h", "24h", "7d"];
export const TEXT_PARAMS = ["service", "agent", "model", "tool"] as const;
export const DEFAULT_LIMIT = "100";
const LIVE_MS = 5000;
const SEVERITY_RANK: Record<string, number> = { critical: 3, warning: 2, info: 1 };
export const KIND_ORDER = ["root_cause", "comb", "straggler", "runaway_cost", "retry_storm", "broken_propagation"];

/** The /api/v1/traces parameters out of the page's URL query (q is client-side only). */
export function apiParams(q: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of q) {
    if (!v) continue;
    if (k === "q" || k === "live") continue;  // the page's own: search text, auto-refresh
    if (k === "since" && v === "all") continue;
    out.append(k, v);
  }
  if (!out.has("limit")) out.set("limit", DEFAULT_LIMIT);
  return out;
}

/** Finding badges per trace: kind → the most severe finding of that kind (and how many). */
export function badgesByTrace(findings: Finding[]): Map<string, Map<string, { finding: Finding; count: number }>> {
  const m = new Map<string, Map<string, { finding: Finding; count: number }>>();
  for (const f of findings) {
    const ids = new Set<string>([f.trace_id, ...(f.kind === "broken_propagation" ? f.trace_ids ?? [] : [])]);
    for (const t of ids) {
      if (!t) continue;
      let kinds = m.get(t);
      if (!kinds) m.set(t, (kinds = new Map()));
      const cur = kinds.get(f.kind);
      if (!cur) kinds.set(f.kind, { finding: f, count: 1 });
      else {
        cur.count++;
        if ((SEVERITY_RANK[f.severity] ?? 0) > (SEVERITY_RANK[cur.finding.severity] ?? 0)) cur.finding = f;
      }
    }
  }
  return m;
}

/** The client-side search over the listed traces (root name, root service, trace id). */
export function matchesSearch(t: TraceSummary, q: string): boolean {
  if (!q) return true;
  const s = q.toLowerCase();
  return t.root_name.toLowerCase().includes(s) || (t.root_service ?? "").toLowerCase().includes(s) || t.trace_id.includes(s);
}

/** datetime-local value ↔ unix ns (decimal string). */
export function localToNs(v: string): string {
  const ms = new Date(v).getTime();
  return Number.isFinite(ms) ? (BigInt(ms) * 1000000n).toString() : "";
}
export function nsToLocal(ns: string): string {
  if (!/^\d+$/.test(ns)) return "";
  const d = new Date(Number(BigInt(ns) / 1000000n));
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

const LAST_QUERY_KEY = "hoptrace.traceList.query";

/** Records the list's query in the URL and for the trace view's "back to the list" link. */
function rememberQuery(q: URLSearchParams): void {
  setQuery(q);
  try { sessionStorage.setItem(LAST_QUERY_KEY, q.toString()); } catch { /* storage disabled */ }
}

/** The trace list's URL with the filters last used in this tab. */
export function traceListHref(): string {
  let qs = "";
  try { qs = sessionStorage.getItem(LAST_QUERY_KEY) ?? ""; } catch { /* storage disabled */ }
  return qs ? `/?${qs}` : "/";
}

export function mountTraceList(root: HTMLElement, route: Route): Unmount {
  const q = new URLSearchParams(route.query);
  try { sessionStorage.setItem(LAST_QUERY_KEY, q.toString()); } catch { /* storage disabled */ }
  let ac: AbortController | null = null;
  let disposed = false;
  let traces: TraceSummary[] = [];
  let badges = new Map<string, Map<string, { finding: Finding; count: number }>>();

  const inputs: Record<string, HTMLInputElement | HTMLSelectElement> = {};
  const lists: Record<string, HTMLDataListElement> = {};
  const field = (label: string, el: HTMLElement, cls = "") => h("label", { class: `tl-field ${cls}` }, h("span", { class: "tl-flabel" }, label), el);

  // Text filters with datalist suggestions.
  const textFields = TEXT_PARAMS.map((p) => {
    lists[p] = h("datalist", { id: `tl-list-${p}` });
    const inp = h("input", { type: "text", name: p, list: `tl-list-${p}`, placeholder: "any", value: q.get(p) ?? "", "data-testid": `filter-${p}`, autocomplete: "off" });
    inputs[p] = inp;
    return field(p, h("span", null, inp, lists[p]));
  });
  const status = h("select", { name: "status", "data-testid": "filter-status" },
    ["", "unset", "ok", "error"].map((s) => h("option", { value: s, selected: (q.get("status") ?? "") === s }, s || "any")));
  inputs.status = status;
  const num = (p: string, placeholder: string) => {
    const inp = h("input", { type: "number", min: "0", step: "any", name: p, placeholder, value: q.get(p) ?? "", "data-testid": `filter-${p}`, class: "tl-num" });
    inputs[p] = inp;
    return inp;
  };
  const sinceVal = q.get("since") ?? "";
  const sinceMode = !sinceVal || sinceVal === "all" ? "all" : TIME_PRESETS.includes(sinceVal) ? sinceVal : "custom";
  const since = h("select", { name: "since", "data-testid": "filter-since", title: "Time range (span start)" },
    [...TIME_PRESETS.map((p) => [p, `last ${p}`]), ["all", "all time"], ["custom", "custom…"]].map(([v, l]) =>
      h("option", { value: v, selected: v === sinceMode }, l)));
  inputs.since = since;
  const sinceCustom = h("input", { type: "datetime-local", step: "1", "data-testid": "filter-since-custom", value: sinceMode === "custom" ? nsToLocal(sinceVal) : "" });
  const untilVal = q.get("until") ?? "";
  const until = h("input", { type: "datetime-local", step: "1", "data-testid": "filter-until", value: nsToLocal(untilVal) });
  const untilRaw = untilVal && !/^\d+$/.test(untilVal) ? untilVal : ""; // a duration back from now, kept as is
  const customBox = h("span", { class: "tl-custom" }, field("from", sinceCustom), field("until", until));
  const limit = h("input", { type: "number", min: "1", max: "10000", name: "limit", placeholder: DEFAULT_LIMIT, value: q.get("limit") ?? "", "data-testid": "filter-limit", class: "tl-num" });
  inputs.limit = limit;
  const search = h("input", { type: "search", placeholder: "search root name…", value: q.get("q") ?? "", "data-testid": "filter-q", class: "tl-search" });

  // Attribute filters: one "key=value" input each.
  const attrBox = h("span", { class: "tl-attrs" });
  const addAttr = (kv = "") => {
    const inp = h("input", { type: "text", placeholder: "attr.key=value", value: kv, "data-testid": "filter-attr", class: "tl-attr" });
    const row = h("span", { class: "tl-attr-row" }, inp,
      h("button", { type: "button", class: "tl-x", title: "Remove this attribute filter", onclick: () => { row.remove(); apply(); } }, "×"));
    inp.addEventListener("change", () => apply());
    attrBox.append(row);
    return inp;
  };
  for (const [k, v] of q) if (k.startsWith("attr.")) addAttr(`${k.slice(5)}=${v}`);
  const addAttrBtn = h("button", { type: "button", class: "tl-btn", "data-testid": "add-attr-filter", onclick: () => addAttr().focus() }, "+ attribute");

  // Live: reload every LIVE_MS while the page is visible (watching a fleet at work).
  const live = h("input", { type: "checkbox", "data-testid": "live-toggle" });
  live.checked = q.get("live") === "1";
  live.addEventListener("change", () => apply());

  const countEl = h("span", { class: "tl-count", "data-testid": "trace-count" }, "");
  const note = h("span", { class: "tl-note" });
  const errorSlot = h("div");
  const tbody = h("tbody");
  const table = h("table", { class: "tl-table" },
    h("thead", null, h("tr", null,
      ["Start", "Root span", "Agents", "Spans", "Errors", "Tokens", "Cost", "Duration", "Findings"].map((c, i) =>
        h("th", { class: i >= 3 && i <= 7 ? "num" : "" }, c)))),
    tbody);

  const form = h("form", { class: "tl-filters", onsubmit: (e: Event) => { e.preventDefault(); apply(); } },
    h("div", { class: "tl-row" },
      field("time", since), customBox,
      field("status", status),
      field("duration ms", h("span", { class: "tl-range" }, num("min_duration_ms", "min"), "–", num("max_duration_ms", "max"))),
      field("limit", limit),
      h("button", { type: "submit", class: "tl-btn primary", "data-testid": "apply-filters" }, "Apply"),
      h("button", { type: "button", class: "tl-btn", "data-testid": "clear-filters", onclick: () => navigate("/traces") }, "Clear"),
      h("label", { class: "tl-live", title: `Reload every ${LIVE_MS / 1000} s` }, live, " live")),
    h("div", { class: "tl-row" }, ...textFields, field("attributes", h("span", { class: "tl-attrwrap" }, attrBox, addAttrBtn))),
  );
  const el = h("div", { class: "tl", "data-testid": "trace-list" },
    form,
    h("div", { class: "tl-bar" }, countEl, note, h("span", { class: "tl-spacer" }), search),
    errorSlot,
    h("div", { class: "tl-tablewrap" }, table));
  root.append(el);
  customBox.hidden = sinceMode !== "custom" && !untilVal;

  // ---- state ↔ URL ----
  function currentQuery(): URLSearchParams {
    const out = new URLSearchParams();
    const sv = since.value;
    if (sv === "custom") {
      const ns = localToNs(sinceCustom.value);
      if (ns) out.set("since", ns);
    } else if (sv !== "all") out.set("since", sv);
    const uv = until.value ? localToNs(until.value) : untilRaw;
    if (uv) out.set("until", uv);
    for (const p of TEXT_PARAMS) if (inputs[p].value.trim()) out.set(p, inputs[p].value.trim());
    if (status.value) out.set("status", status.value);
    for (const p of ["min_duration_ms", "max_duration_ms"]) if (inputs[p].value) out.set(p, inputs[p].value);
    for (const inp of attrBox.querySelectorAll<HTMLInputElement>("input")) {
      const v = inp.value.trim();
      const eq = v.indexOf("=");
      if (eq <= 0) continue;
      const key = v.slice(0, eq).trim().replace(/^attr\./, "");
      out.append(`attr.${key}`, v.slice(eq + 1).trim());
    }
    if (limit.value) out.set("limit", limit.value);
    if (search.value) out.set("q", search.value);
    if (live.checked) out.set("live", "1");
    return out;
  }

  function apply() {
    customBox.hidden = since.value !== "custom" && !until.value && !untilRaw;
    const nq = currentQuery();
    rememberQuery(nq);
    void load(nq);
  }

  for (const k of Object.keys(inputs)) inputs[k].addEventListener("change", () => apply());
  sinceCustom.addEventListener("change", () => apply());
  until.addEventListener("change", () => apply());
  search.addEventListener("input", () => {
    const nq = new URLSearchParams(location.search);
    if (search.value) nq.set("q", search.value);
    else nq.delete("q");
    rememberQuery(nq);
    renderRows();
  });

  // ---- data ----
  async function load(nq: URLSearchParams) {
    ac?.abort();
    const my = new AbortController();
    ac = my;
    el.classList.add("loading");
    clear(errorSlot);
    const params = apiParams(nq);
    const fParams: Record<string, string> = { limit: "10000" };
    const sv = params.get("since");
    if (sv) fParams.since = sv;
    const findingsP = getJson<{ findings: Finding[] }>("/api/v1/findings", fParams, my.signal).then(
      (r) => ({ ok: true as const, findings: r.findings ?? [] }),
      (e: unknown) => ({ ok: false as const, error: e instanceof Error ? e.message : String(e) }),
    );
    try {
      const r = await getJson<{ traces: TraceSummary[] }>("/api/v1/traces", params, my.signal);
      if (disposed || ac !== my) return;
      traces = r.traces ?? [];
      const f = await findingsP;
      if (disposed || ac !== my) return;
      badges = f.ok ? badgesByTrace(f.findings) : new Map();
      note.textContent = f.ok ? "" : `finding badges unavailable (${f.error})`;
      renderRows();
    } catch (e) {
      if (disposed || (e instanceof DOMException && e.name === "AbortError") || ac !== my) return;
      traces = [];
      renderRows();
      countEl.textContent = "";
      errorSlot.append(h("div", { class: "error-box", "data-testid": "error" }, e instanceof Error ? e.message : String(e)));
    } finally {
      if (ac === my) el.classList.remove("loading");
    }
  }

  function renderRows() {
    clear(tbody);
    const qv = search.value.trim();
    const shown = traces.filter((t) => matchesSearch(t, qv));
    const lim = Number(limit.value || DEFAULT_LIMIT);
    countEl.textContent = qv
      ? `${shown.length} of ${traces.length} traces match “${qv}”`
      : `${traces.length} trace${traces.length === 1 ? "" : "s"}${traces.length >= lim ? ` (the newest ${lim}: raise the limit for more)` : ""}`;
    countEl.dataset.count = String(shown.length);
    if (shown.length === 0) {
      tbody.append(h("tr", null, h("td", { colspan: "9", class: "tl-empty" }, traces.length ? "No trace matches the search." : "No traces match these filters.")));
      return;
    }
    const frag = document.createDocumentFragment();
    for (const t of shown) {
      const href = `/traces/${t.trace_id}`;
      const kinds = badges.get(t.trace_id);
      const kindList = kinds ? [...kinds.entries()].sort((a, b) => KIND_ORDER.indexOf(a[0]) - KIND_ORDER.indexOf(b[0])) : [];
      const tr = h("tr", { "data-testid": "trace-row", "data-trace-id": t.trace_id, class: t.error_count ? "has-errors" : "" },
        h("td", { class: "tl-start mono" }, formatTime(Number(t.start_unix_nano))),
        h("td", { class: "tl-root" },
          h("a", { href, class: "tl-name", title: t.root_name }, t.root_name || "(no root span)"),
          h("div", { class: "tl-svc" }, t.root_service ?? "", h("span", { class: "tl-tid mono" }, ` ${t.trace_id.slice(0, 12)}…`))),
        h("td", { class: "tl-agents" }, (t.agents ?? []).map((a) =>
          h("span", { class: "agent-chip", style: `--c: ${agentColor(a)}`, "data-testid": "agent-chip" }, a))),
        h("td", { class: "num" }, t.span_count.toLocaleString("en-US")),
        h("td", { class: `num${t.error_count ? " tl-err" : ""}` }, String(t.error_count)),
        h("td", { class: "num", title: `${t.input_tokens} in / ${t.output_tokens} out` }, formatTokens(t.total_tokens)),
        h("td", { class: "num" }, t.cost_usd === null ? "—" : formatCost(t.cost_usd)),
        h("td", { class: "num" }, formatDuration(Number(t.duration_ns))),
        h("td", { class: "tl-badges" }, kindList.map(([kind, { finding, count }]) =>
          h("a", {
            class: `badge ${finding.severity}`, "data-testid": "finding-badge", "data-kind": kind,
            href: `${href}?finding=${encodeURIComponent(finding.key)}`,
            title: `${count > 1 ? `${count} ${kind} findings; ` : ""}${finding.summary}`,
          }, kind))),
      );
      tr.addEventListener("click", (e) => {
        if ((e.target as Element).closest("a") || e.button !== 0) return;
        if (window.getSelection()?.toString()) return; // selecting text, not navigating
        navigate(href);
      });
      frag.append(tr);
    }
    tbody.append(frag);
  }

  // Suggestions for the text filters (cheap grouped stats).
  const sugAc = new AbortController();
  for (const p of TEXT_PARAMS) {
    getJson<{ rows: Array<Record<string, unknown>> }>("/api/v1/stats", { group_by: p }, sugAc.signal)
      .then((r) => {
        const vals = (r.rows ?? []).map((row) => row[p]).filter((v): v is string => typeof v === "string" && v !== "");
        clear(lists[p]);
        for (const v of vals) lists[p].append(h("option", { value: v }));
      })
      .catch(() => { /* suggestions are optional */ });
  }

  void load(q);
  const liveTimer = setInterval(() => {
    if (live.checked && !document.hidden && !el.classList.contains("loading"))
      void load(new URLSearchParams(location.search));
  }, LIVE_MS);

  return () => {
    disposed = true;
    clearInterval(liveTimer);
    ac?.abort();
    sugAc.abort();
  };
}
