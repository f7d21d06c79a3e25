// The cost & usage dashboard (/dashboard): totals of the window from one /api/v1/stats call,
// tokens and cost per agent / model / provider as tables, over time as stacked bar charts
// (one /api/v1/stats call per time bucket), and the models that have tokens but no price.
import "../dashboard/controls.css";
import "./dashboard.css";
import { h, clear } from "../lib/dom";
import { ApiError, getJson } from "../lib/api";
import { setQuery, type Route } from "../lib/router";
import { agentColor } from "../lib/colors";
import { formatCost, formatTime, formatTokens } from "../lib/format";
import { bucketCountFor, mapLimit, splitWindow, type Bucket } from "../dashboard/buckets";
import { nanoToMs, nowUnixNano, parseUnixNano, presetWindow, type Window } from "../dashboard/time";
import {
  DIMS, mergeSeries, modelsForPriceLookup, tableRows, unpricedModels,
  type Dim, type PricesResponse, type StatsResponse, type StatsRow, type TableRow, type UnpricedModel,
} from "../dashboard/stats";
import { stackedBarChart, type StackedChart } from "../dashboard/chart";
import { seriesColorMap } from "../dashboard/colors";
import { errorBox, filterInput, isAbort, presetBar, withParams } from "../dashboard/controls";

const PRESETS = ["1h", "6h", "24h", "7d", "30d"];
const DEFAULT_RANGE = "24h";
const FILTERS = ["service", "agent", "model"] as const;
const MAX_IN_FLIGHT = 6;

const num = (n: number) => n.toLocaleString("en-US");

// The window the URL names: `since` a preset (relative to now) or unix nanoseconds with an
// optional `until`.
function windowOf(query: URLSearchParams, now: bigint): { win: Window; preset: string | null } {
  const since = query.get("since") ?? DEFAULT_RANGE;
  const abs = parseUnixNano(since);
  if (abs !== null) {
    const until = parseUnixNano(query.get("until")) ?? now;
    if (until >= abs) return { win: { since: abs, until }, preset: null };
  }
  const w = presetWindow(since, now);
  if (w) return { win: w, preset: since };
  return { win: presetWindow(DEFAULT_RANGE, now)!, preset: DEFAULT_RANGE };
}

export function mountDashboard(root: HTMLElement, route: Route): () => void {
  let query = new URLSearchParams(route.query);
  if (!query.get("since")) query = withParams(query, { since: DEFAULT_RANGE });
  let abort: AbortController | null = null;
  let disposed = false;

  // What the current window loaded; charts are rebuilt from it on theme changes.
  let win: Window = { since: 0n, until: 0n };
  let buckets: Bucket[] = [];
  const bucketRows = new Map<Dim, StatsRow[][]>();
  let charts: StackedChart[] = [];

  const page = h("div", { class: "dash", "data-testid": "dashboard" });
  const toolbar = h("div", { class: "ctl-toolbar" });
  const totalsBox = h("section", { class: "dash-totals" });
  const chartsHead = h("div", { class: "dash-section-head" });
  const chartsBox = h("section", { class: "dash-charts" });
  const tablesBox = h("section", { class: "dash-tables" });
  const unpricedBox = h("section", { class: "dash-unpriced" });
  page.append(toolbar, h("div", { class: "dash-body" }, totalsBox, chartsHead, chartsBox, tablesBox, unpricedBox));
  root.append(page);

  const serviceFilter = { options: [] as string[] };
  const windowLabel = h("span", { class: "ctl-muted", "data-testid": "dashboard-window" });
  const setters: Partial<Record<(typeof FILTERS)[number], (o: string[]) => void>> = {};

  const dim = (): Dim => {
    const d = query.get("by");
    return d === "model" || d === "provider" ? d : "agent";
  };
  const update = (set: Record<string, string | null>, reload = true) => {
    query = withParams(query, set);
    setQuery(query);
    if (reload) load();
  };

  function renderToolbar(): void {
    clear(toolbar);
    const since = query.get("since") ?? DEFAULT_RANGE;
    const { preset } = windowOf(query, win.until || nowUnixNano());
    toolbar.append(h("h1", null, "Cost & usage"), presetBar(PRESETS, preset ?? since, (p) => update({ since: p, until: null })));
    for (const f of FILTERS) {
      const fi = filterInput(f, query.get(f) ?? "", (v) => update({ [f]: v }), f === "service" ? serviceFilter.options : []);
      setters[f] = fi.setOptions;
      toolbar.append(fi.el);
    }
    toolbar.append(
      h("span", { class: "ctl-spacer" }),
      windowLabel,
      h("button", { type: "button", class: "ctl-btn", title: "Reload (moves a relative window to now)", onclick: () => load() }, "↻ Refresh"),
    );
  }

  function filterParams(): URLSearchParams {
    const p = new URLSearchParams();
    p.set("since", win.since.toString());
    p.set("until", win.until.toString());
    for (const f of FILTERS) {
      const v = query.get(f);
      if (v) p.set(f, v);
    }
    return p;
  }

  function stats(groupBy: string | null, signal: AbortSignal, b?: Bucket): Promise<StatsResponse> {
    const p = filterParams();
    if (b) {
      p.set("since", b.since.toString());
      p.set("until", b.until.toString());
    }
    if (groupBy) p.set("group_by", groupBy);
    return getJson<StatsResponse>("/api/v1/stats", p, signal);
  }

  // ---- load everything for the window ----
  function load(): void {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    const now = nowUnixNano();
    win = windowOf(query, now).win;
    buckets = splitWindow(win, bucketCountFor(win.until - win.since));
    bucketRows.clear();
    page.dataset.since = win.since.toString();
    page.dataset.until = win.until.toString();
    page.dataset.buckets = String(buckets.length);
    windowLabel.textContent = `${formatTime(nanoToMs(win.since) * 1e6).slice(0, 16)} → ${formatTime(nanoToMs(win.until) * 1e6).slice(0, 16)}`;
    for (const box of [totalsBox, chartsBox, tablesBox, unpricedBox]) clear(box);
    destroyCharts();
    totalsBox.append(h("div", { class: "ctl-loading" }, "Loading totals…"));
    tablesBox.append(h("div", { class: "ctl-loading" }, "Loading tables…"));
    renderChartsHead();
    chartsBox.append(h("div", { class: "ctl-loading" }, "Loading charts…"));
    const live = () => !disposed && ac === abort;

    stats(null, ac.signal).then(
      (r) => live() && renderTotals(r.rows[0]),
      (e) => live() && !isAbort(e) && totalsBox.replaceChildren(errorBox(e, "Could not load the totals")),
    );

    Promise.all([stats("agent", ac.signal), stats("model", ac.signal), stats("provider", ac.signal)]).then(
      async ([a, m, p]) => {
        if (!live()) return;
        const byAgent = tableRows(a.rows, "agent");
        const byModel = tableRows(m.rows, "model");
        const byProvider = tableRows(p.rows, "provider");
        setters.agent?.(byAgent.filter((r) => !r.isNone).map((r) => r.key));
        setters.model?.(byModel.filter((r) => !r.isNone).map((r) => r.key));
        renderTables(byAgent, byModel, byProvider, null, "loading");
        const models = modelsForPriceLookup(byModel);
        let prices: PricesResponse | null = null;
        let priceNote = "";
        if (models.length > 0) {
          const q = new URLSearchParams();
          for (const model of models) q.append("model", model);
          try {
            prices = await getJson<PricesResponse>("/api/v1/prices", q, ac.signal);
          } catch (e) {
            if (isAbort(e) || !live()) return;
            priceNote = e instanceof ApiError && e.status === 404 ? "" : ` (${e instanceof Error ? e.message : String(e)})`;
            prices = null;
          }
        }
        if (!live()) return;
        renderTables(byAgent, byModel, byProvider, prices, priceNote);
      },
      (e) => {
        if (!live() || isAbort(e)) return;
        tablesBox.replaceChildren(errorBox(e, "Could not load the tables"));
      },
    );

    getJson<StatsResponse>("/api/v1/stats", (() => {
      const p = filterParams();
      p.delete("service");
      p.set("group_by", "service");
      return p;
    })(), ac.signal).then(
      (r) => {
        if (!live()) return;
        serviceFilter.options = r.rows.map((x) => (x as unknown as { service: string | null }).service).filter((x): x is string => !!x);
        setters.service?.(serviceFilter.options);
      },
      () => {},
    );

    loadCharts(ac);
  }

  function loadCharts(ac: AbortController): void {
    const d = dim();
    const live = () => !disposed && ac === abort;
    if (bucketRows.has(d)) {
      renderCharts();
      return;
    }
    clear(chartsBox);
    chartsBox.append(h("div", { class: "ctl-loading" }, `Loading charts (${buckets.length} time buckets)…`));
    mapLimit(buckets, MAX_IN_FLIGHT, (b) => stats(d, ac.signal, b).then((r) => r.rows)).then(
      (rows) => {
        if (!live()) return;
        bucketRows.set(d, rows);
        if (dim() === d) renderCharts();
      },
      (e) => {
        if (!live() || isAbort(e)) return;
        clear(chartsBox);
        chartsBox.append(errorBox(e, "Could not load the charts"));
      },
    );
  }

  // ---- totals ----
  function renderTotals(row: StatsRow | undefined): void {
    const r: StatsRow = row ?? { spans: 0, errors: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0, cost_usd: 0 };
    totalsBox.dataset.spans = String(r.spans);
    totalsBox.dataset.tokens = String(r.total_tokens);
    totalsBox.dataset.cost = String(r.cost_usd ?? 0);
    const card = (label: string, testId: string, value: number | null, text: string, sub: Array<Node | string> = [], title?: string) =>
      h(
        "div",
        { class: "dash-card" },
        h("div", { class: "dash-card-label" }, label),
        h("div", { class: "dash-card-value", "data-testid": testId, "data-value": String(value), title: title ?? text }, text),
        sub.length ? h("div", { class: "dash-card-sub" }, ...sub) : null,
      );
    totalsBox.replaceChildren(
      card("spans", "total-spans", r.spans, num(r.spans), [
        h("span", { class: r.errors > 0 ? "dash-err" : "", "data-testid": "total-errors", "data-value": String(r.errors) }, `${num(r.errors)} error${r.errors === 1 ? "" : "s"}`),
      ]),
      card("tokens", "total-tokens", r.total_tokens, num(r.total_tokens), [
        "in ",
        h("b", { "data-testid": "total-tokens-in", "data-value": String(r.input_tokens) }, num(r.input_tokens)),
        " · out ",
        h("b", { "data-testid": "total-tokens-out", "data-value": String(r.output_tokens) }, num(r.output_tokens)),
      ]),
      card("cost", "total-cost", r.cost_usd, r.cost_usd === null ? "—" : formatCost(r.cost_usd), [`US$ ${(r.cost_usd ?? 0).toFixed(6)}`], `US$ ${r.cost_usd}`),
    );
  }

  // ---- charts ----
  function renderChartsHead(): void {
    const d = dim();
    const sw = h("div", { class: "ctl-presets", role: "group", "aria-label": "Split the charts by", "data-testid": "chart-dim" });
    for (const k of DIMS) {
      sw.append(
        h("button", { type: "button", class: k === d ? "active" : "", "aria-pressed": k === d ? "true" : "false", "data-dim": k, onclick: () => {
          if (dim() === k) return;
          update({ by: k === "agent" ? null : k }, false);
          renderChartsHead();
          if (abort) loadCharts(abort);
        } }, `by ${k}`),
      );
    }
    chartsHead.replaceChildren(h("h2", null, "Over time"), sw, h("span", { class: "ctl-muted" }, buckets.length ? `${buckets.length} buckets of ${bucketLabel()}` : ""));
  }

  function bucketLabel(): string {
    if (!buckets.length) return "";
    const s = Number(buckets[0].until - buckets[0].since + 1n) / 1e9;
    if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
    if (s < 3600) return `${Math.round(s / 60)} min`;
    if (s < 86400) return `${+(s / 3600).toFixed(1)} h`;
    return `${+(s / 86400).toFixed(1)} d`;
  }

  function destroyCharts(): void {
    for (const c of charts) c.destroy();
    charts = [];
  }

  function renderCharts(): void {
    const d = dim();
    const rows = bucketRows.get(d);
    destroyCharts();
    clear(chartsBox);
    if (!rows) return;
    const bucketSeconds = Number(win.until - win.since + 1n) / 1e9 / buckets.length;
    const tokens = mergeSeries(buckets, rows, d, "total_tokens");
    const cost = mergeSeries(buckets, rows, d, "cost_usd");
    const colorOf = seriesColorMap([tokens.keys, cost.keys], d);
    const colors = (keys: string[]) => keys.map((k) => colorOf.get(k)!);
    const panel = (title: string) => {
      const p = h("div", { class: "dash-panel" }, h("h3", null, title));
      chartsBox.append(p);
      return p;
    };
    charts.push(
      stackedBarChart(panel(`Tokens by ${d}`), { data: tokens, colors: colors(tokens.keys), bucketSeconds, format: formatTokens, testId: "chart-tokens" }),
      stackedBarChart(panel(`Cost by ${d}`), { data: cost, colors: colors(cost.keys), bucketSeconds, format: formatCost, testId: "chart-cost" }),
    );
  }

  // ---- tables ----
  function renderTables(byAgent: TableRow[], byModel: TableRow[], byProvider: TableRow[], prices: PricesResponse | null, priceNote: string): void {
    const loadingPrices = priceNote === "loading";
    const unpriced = loadingPrices ? [] : unpricedModels(byModel, prices);
    const unpricedSet = new Set(unpriced.map((u) => u.model));
    const priceTitles = new Map<string, string>();
    for (const p of prices?.models ?? []) {
      priceTitles.set(p.model, p.priced
        ? `US$ ${p.input_usd_per_mtok ?? "?"} in / ${p.output_usd_per_mtok ?? "?"} out per 1M tokens${p.price_model && p.price_model !== p.model ? ` (priced as ${p.price_model})` : ""}`
        : "no price: its cost is not counted");
    }
    tablesBox.replaceChildren(
      table("Per agent", "by-agent", "agent", byAgent, unpricedSet, priceTitles),
      table("Per model", "by-model", "model", byModel, unpricedSet, priceTitles),
      table("Per provider", "by-provider", "provider", byProvider, unpricedSet, priceTitles),
    );
    renderUnpriced(unpriced, prices, priceNote, loadingPrices);
  }

  function table(title: string, testId: string, d: Dim, rows: TableRow[], unpriced: Set<string>, priceTitles: Map<string, string>): HTMLElement {
    const totalCost = rows.reduce((s, r) => s + r.cost_usd, 0);
    const body = h("tbody");
    for (const r of rows) {
      const share = totalCost > 0 ? r.cost_usd / totalCost : 0;
      const isUnpriced = d === "model" && unpriced.has(r.key);
      body.append(
        h(
          "tr",
          { "data-key": r.key, "data-tokens": String(r.total_tokens), "data-cost": String(r.cost_usd), class: r.isNone ? "none" : "" },
          h(
            "td",
            { class: "dash-name", title: d === "model" ? [r.key, priceTitles.get(r.key)].filter(Boolean).join(": ") : r.key },
            d === "agent" && !r.isNone ? h("i", { class: "dash-dot", style: { background: agentColor(r.key) } }) : null,
            r.key,
            isUnpriced ? h("span", { class: "badge unpriced", "data-testid": "unpriced-badge", title: "This model has tokens but no price: its cost is not counted" }, "unpriced") : null,
          ),
          h("td", { class: "num" }, num(r.spans)),
          h("td", { class: `num${r.errors > 0 ? " dash-err" : ""}` }, num(r.errors)),
          h("td", { class: "num", title: num(r.input_tokens) }, formatTokens(r.input_tokens)),
          h("td", { class: "num", title: num(r.output_tokens) }, formatTokens(r.output_tokens)),
          h("td", { class: "num", title: num(r.total_tokens) }, formatTokens(r.total_tokens)),
          h("td", { class: "num", title: `US$ ${r.cost_usd}` }, isUnpriced ? h("span", { class: "dash-muted" }, "unpriced") : formatCost(r.cost_usd)),
          h("td", { class: "dash-share" }, h("span", { class: "dash-bar", style: { width: `${(share * 70).toFixed(1)}px` } }), h("span", null, totalCost > 0 ? `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%` : "")),
        ),
      );
    }
    if (rows.length === 0) body.append(h("tr", null, h("td", { colspan: 8, class: "dash-muted" }, "No spans in this window.")));
    return h(
      "div",
      { class: "dash-panel dash-table-panel" },
      h("h3", null, title),
      h(
        "table",
        { class: "dash-table", "data-testid": testId },
        h("thead", null, h("tr", null, h("th", null, d), h("th", { class: "num" }, "spans"), h("th", { class: "num" }, "errors"), h("th", { class: "num" }, "tokens in"), h("th", { class: "num" }, "out"), h("th", { class: "num" }, "total"), h("th", { class: "num" }, "cost"), h("th", null, "share"))),
        body,
      ),
    );
  }

  function renderUnpriced(list: UnpricedModel[], prices: PricesResponse | null, priceNote: string, loading: boolean): void {
    const status = loading
      ? "Looking up prices…"
      : prices
        ? `Prices from the server's price table${prices.as_of ? ` (as of ${prices.as_of})` : ""}.`
        : `Price information unavailable${priceNote}: models with tokens and no cost are listed as unpriced.`;
    const ul = h("ul", { class: "dash-unpriced-list" });
    for (const u of list) {
      ul.append(
        h("li", { "data-testid": "unpriced-model", "data-model": u.model, "data-basis": u.basis },
          h("b", null, u.model), ` — ${num(u.total_tokens)} tokens in ${num(u.spans)} spans, not counted in the cost`),
      );
    }
    unpricedBox.replaceChildren(
      h("div", { class: "dash-panel", "data-testid": "unpriced-models", "data-count": loading ? "" : String(list.length) },
        h("h3", null, "Unpriced models"),
        h("div", { class: `dash-muted${prices || loading ? "" : " dash-warn"}`, "data-testid": "price-status", "data-available": prices ? "true" : "false" }, status),
        loading ? null : list.length ? ul : h("div", { class: "dash-muted" }, "Every model with tokens in this window has a price."),
      ),
    );
  }

  // ---- theme and size ----
  const onTheme = () => renderCharts();
  window.addEventListener("hoptrace-theme", onTheme);
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  const ro = new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => charts.forEach((c) => c.resize()), 60);
  });
  ro.observe(chartsBox);

  renderToolbar();
  setQuery(query);
  load();

  return () => {
    disposed = true;
    abort?.abort();
    window.removeEventListener("hoptrace-theme", onTheme);
    ro.disconnect();
    clearTimeout(resizeTimer);
    destroyCharts();
  };
}
