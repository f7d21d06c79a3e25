// The findings page (/findings): every finding of the diagnosis across traces, most recently
// updated first (the API's order), filterable by kind, agent and time; each row links to its
// trace with the finding selected.
import "../dashboard/controls.css";
import "./findings.css";
import { h, clear } from "../lib/dom";
import { getJson } from "../lib/api";
import { navigate, setQuery, type Route } from "../lib/router";
import { agentColor } from "../lib/colors";
import { formatCost, formatTime, formatTokens } from "../lib/format";
import { errorBox, filterInput, isAbort, presetBar, withParams } from "../dashboard/controls";
import { FINDING_KINDS, KIND_LABELS, findingHref, relativeAge, type Finding } from "../dashboard/findings";

const PRESETS = ["1h", "24h", "7d", "30d", "all"];
const DEFAULT_RANGE = "7d";
const DEFAULT_LIMIT = 100;

interface TraceSummary {
  trace_id: string;
  root_name: string;
}

export function mountFindings(root: HTMLElement, route: Route): () => void {
  let query = new URLSearchParams(route.query);
  if (!query.get("since")) query = withParams(query, { since: DEFAULT_RANGE });
  let abort: AbortController | null = null;
  let disposed = false;
  // Root names of recent traces (one cheap call); a trace not among them shows its short id.
  let rootNames: Map<string, string> | null = null;
  let rootNamesPromise: Promise<Map<string, string>> | null = null;

  const page = h("div", { class: "fd" });
  const toolbar = h("div", { class: "ctl-toolbar" });
  const counts = h("div", { class: "fd-counts" });
  const listBox = h("div", { class: "fd-body" });
  page.append(toolbar, counts, listBox);
  root.append(page);
  let setAgentOptions: (o: string[]) => void = () => {};
  let kindSelect: HTMLSelectElement | null = null;

  const limit = () => {
    const n = Number(query.get("limit"));
    return Number.isInteger(n) && n >= 1 && n <= 10000 ? n : DEFAULT_LIMIT;
  };
  const update = (set: Record<string, string | null>) => {
    query = withParams(query, set);
    setQuery(query);
    load();
  };

  function renderToolbar(): void {
    clear(toolbar);
    const kind = query.get("kind") ?? "";
    const select = h("select", { name: "kind", "data-testid": "filter-kind", "aria-label": "Kind" }, h("option", { value: "" }, "any kind"));
    for (const k of FINDING_KINDS) select.append(h("option", { value: k, selected: k === kind }, KIND_LABELS[k]));
    select.addEventListener("change", () => update({ kind: select.value || null, limit: null }));
    kindSelect = select;
    const agent = filterInput("agent", query.get("agent") ?? "", (v) => update({ agent: v, limit: null }));
    setAgentOptions = agent.setOptions;
    toolbar.append(
      h("h1", null, "Findings"),
      presetBar(PRESETS, query.get("since") ?? DEFAULT_RANGE, (p) => update({ since: p, limit: null })),
      h("label", { class: "ctl-filter" }, h("span", null, "kind"), select),
      agent.el,
    );
  }

  function loadRootNames(signal: AbortSignal): Promise<Map<string, string>> {
    if (rootNames) return Promise.resolve(rootNames);
    rootNamesPromise ??= getJson<{ traces: TraceSummary[] }>("/api/v1/traces", { limit: "1000" }, signal)
      .then((r) => (rootNames = new Map(r.traces.map((t) => [t.trace_id, t.root_name]))))
      .catch(() => {
        rootNamesPromise = null;
        return new Map<string, string>();
      });
    return rootNamesPromise;
  }

  async function load(): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    clear(listBox);
    clear(counts);
    listBox.append(h("div", { class: "ctl-loading" }, "Loading findings…"));
    const p = new URLSearchParams();
    const since = query.get("since") ?? DEFAULT_RANGE;
    if (since !== "all") p.set("since", since);
    for (const k of ["kind", "agent"]) {
      const v = query.get(k);
      if (v) p.set(k, v);
    }
    p.set("limit", String(limit()));
    try {
      const [res, names] = await Promise.all([
        getJson<{ findings: Finding[] }>("/api/v1/findings", p, ac.signal),
        loadRootNames(ac.signal),
      ]);
      if (disposed || ac !== abort) return;
      render(res.findings ?? [], names);
    } catch (err) {
      if (isAbort(err) || disposed || ac !== abort) return;
      clear(listBox);
      listBox.append(errorBox(err, "Could not load the findings"));
    }
  }

  function render(findings: Finding[], names: Map<string, string>): void {
    clear(listBox);
    const agents = [...new Set(findings.map((f) => f.agent).filter(Boolean))].sort();
    setAgentOptions(agents);
    renderCounts(findings);
    const list = h("div", { class: "fd-list", "data-testid": "findings-list", "data-count": findings.length });
    if (findings.length === 0) {
      list.append(h("div", { class: "empty", "data-testid": "findings-empty" }, "No findings match. Findings appear once a trace has been diagnosed (opening it, or on ingest for runaway cost)."));
    }
    const now = Date.now() * 1e6;
    for (const f of findings) list.append(row(f, names, now));
    listBox.append(list);
    if (findings.length >= limit() && limit() < 10000) {
      listBox.append(
        h("button", { type: "button", class: "ctl-btn fd-more", "data-testid": "findings-more", onclick: () => update({ limit: String(Math.min(10000, limit() * 2)) }) }, `Show more (showing the newest ${findings.length})`),
      );
    }
  }

  function renderCounts(findings: Finding[]): void {
    const byKind = new Map<string, number>();
    for (const f of findings) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
    clear(counts);
    if (findings.length === 0) return;
    const kind = query.get("kind");
    counts.append(h("span", { class: "ctl-muted" }, `${findings.length} finding${findings.length === 1 ? "" : "s"}:`));
    for (const k of FINDING_KINDS) {
      const n = byKind.get(k);
      if (!n) continue;
      counts.append(
        h("button", { type: "button", class: `fd-count${kind === k ? " active" : ""}`, "data-kind": k, title: kind === k ? "Show every kind" : `Only ${KIND_LABELS[k]}`, onclick: () => {
          if (kindSelect) kindSelect.value = kind === k ? "" : k;
          update({ kind: kind === k ? null : k, limit: null });
        } },
          `${KIND_LABELS[k]} `, h("b", null, String(n))),
      );
    }
  }

  function row(f: Finding, names: Map<string, string>, nowNs: number): HTMLElement {
    const href = findingHref(f);
    const rootName = names.get(f.trace_id);
    const first = Number(f.first_seen_unix_nano);
    const updated = Number(f.updated_unix_nano);
    const wasted: Array<Node | string> = [];
    if (f.wasted_tokens > 0 || f.wasted_cost_usd > 0) {
      wasted.push(h("span", { class: "fd-wasted", "data-testid": "finding-wasted", title: "tokens and cost the diagnosis counts as wasted" },
        "wasted ", f.wasted_tokens > 0 ? `${formatTokens(f.wasted_tokens)} tokens` : "", f.wasted_tokens > 0 && f.wasted_cost_usd > 0 ? " · " : "", f.wasted_cost_usd > 0 ? formatCost(f.wasted_cost_usd) : ""));
    }
    const evidence = h("details", { class: "fd-evidence" }, h("summary", null, "evidence"));
    evidence.addEventListener("toggle", () => {
      if (evidence.open && evidence.childElementCount === 1) {
        evidence.append(h("pre", { class: "mono", "data-testid": "finding-evidence" }, JSON.stringify(f.evidence ?? {}, null, 2)));
      }
    });
    const extraTraces = f.trace_ids && f.trace_ids.length > 1 ? f.trace_ids.filter((t) => t !== f.trace_id) : [];
    const el = h(
      "div",
      { class: `fd-row sev-${f.severity}`, "data-testid": "finding-row", "data-kind": f.kind, "data-trace-id": f.trace_id, "data-key": f.key, "data-severity": f.severity, "data-agent": f.agent },
      h(
        "a",
        { class: "fd-main", href, "data-testid": "finding-link" },
        h("span", { class: `badge ${f.severity}`, "data-testid": "finding-severity" }, f.severity),
        h("span", { class: "fd-kind" }, KIND_LABELS[f.kind as keyof typeof KIND_LABELS] ?? f.kind),
        h("span", { class: "fd-summary" }, f.summary),
      ),
      h(
        "div",
        { class: "fd-meta" },
        f.agent ? h("span", { class: "fd-agent" }, h("i", { style: { background: agentColor(f.agent) } }), f.agent) : null,
        h("span", { class: "fd-trace", title: f.trace_id }, "trace ", rootName ? h("b", null, rootName) : null, " ", h("span", { class: "mono" }, f.trace_id.slice(0, 8))),
        extraTraces.length ? h("span", { class: "fd-more-traces", title: extraTraces.join("\n") }, `+${extraTraces.length} linked trace${extraTraces.length === 1 ? "" : "s"}`) : null,
        h("span", { title: `first seen ${formatTime(first)}` }, "first seen ", relativeAge(first, nowNs)),
        updated !== first ? h("span", { title: `updated ${formatTime(updated)}` }, "updated ", relativeAge(updated, nowNs)) : null,
        ...wasted,
        evidence,
      ),
    );
    // The whole row leads to the trace, except its links and the evidence toggle.
    el.addEventListener("click", (e) => {
      const t = e.target as Element;
      if (e.defaultPrevented || t.closest("a, details, button") || window.getSelection()?.toString()) return;
      navigate(href);
    });
    return el;
  }

  renderToolbar();
  setQuery(query);
  load();
  return () => {
    disposed = true;
    abort?.abort();
  };
}
