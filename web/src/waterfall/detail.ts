// The detail panel of the selected span: derived fields, the prompt / completion / tool call
// rendered readably, every attribute, the resource, events, links and the status message.
import { h, type Child } from "../lib/dom";
import { agentColor } from "../lib/colors";
import { formatCost, formatDuration, formatTime, formatTokens } from "../lib/format";
import type { Span } from "./data";
import { clipText, compactValue, extractContent, isContentKey, prettyValue, type ContentSection } from "./prompt";

/** A text block showing the first ~20 lines, with "show all" for the rest. */
export function collapsibleText(text: string, opts: { json?: boolean; maxLines?: number; cls?: string } = {}): HTMLElement {
  const c = clipText(text, opts.maxLines ?? 20);
  const pre = h("pre", { class: `dt-pre${opts.json ? " json" : ""}${opts.cls ? " " + opts.cls : ""}` }, c.head);
  if (!c.truncated) return pre;
  let open = false;
  const btn = h("button", { class: "dt-more", "data-testid": "show-all" }, `show all (${c.totalLines.toLocaleString("en-US")} lines, ${text.length.toLocaleString("en-US")} chars)`);
  btn.addEventListener("click", () => {
    open = !open;
    pre.textContent = open ? text : c.head;
    btn.textContent = open ? "show less" : `show all (${c.totalLines.toLocaleString("en-US")} lines, ${text.length.toLocaleString("en-US")} chars)`;
  });
  return h("div", { class: "dt-collapsible" }, pre, btn);
}

function valueCell(v: unknown): HTMLElement {
  const compact = compactValue(v);
  if (compact.length <= 160 && !compact.includes("\n")) return h("span", { class: "dt-val mono" }, compact);
  const p = prettyValue(v);
  return collapsibleText(p.text, { json: p.json, maxLines: 8 });
}

function kvTable(obj: Record<string, unknown>, testid: string): HTMLElement {
  const keys = Object.keys(obj ?? {}).sort();
  if (keys.length === 0) return h("div", { class: "dt-none" }, "none");
  return h(
    "table",
    { class: "dt-kv" },
    h("tbody", null, keys.map((k) =>
      h("tr", { "data-testid": testid, "data-key": k, class: isContentKey(k) ? "content" : "" },
        h("th", { class: "mono", title: k }, k),
        h("td", null, valueCell(obj[k]))))),
  );
}

function section(title: string, ...body: Child[]): HTMLElement {
  return h("section", { class: "dt-section" }, h("h4", null, title), ...body);
}

function renderContent(sections: ContentSection[]): HTMLElement {
  return h(
    "div",
    { class: "dt-prompt", "data-testid": "prompt" },
    sections.map((s) =>
      h("div", { class: `dt-csec g-${s.group}`, "data-key": s.key },
        h("div", { class: "dt-ctitle" }, s.title, h("span", { class: "dt-ckey mono" }, s.key)),
        s.messages.map((m) =>
          h("div", { class: `dt-msg role-${m.role.split(" ")[0] || "none"}` },
            m.role ? h("div", { class: "dt-role" }, m.role) : null,
            collapsibleText(m.text, { json: m.json }))))),
  );
}

export interface DetailContext {
  /** Start of the trace (unix ns) for relative times. */
  traceStartUnixNano: bigint;
  /** Link to another span. */
  spanHref(traceId: string, spanId: string): string;
  /** Critical-path contribution of this span, if on it. */
  criticalNs?: number;
}

export function renderSpanDetail(s: Span, ctx: DetailContext): HTMLElement {
  const start = BigInt(s.start_unix_nano);
  const rel = Number(start - ctx.traceStartUnixNano);
  const err = s.status?.code === "error";
  const derived: Array<[string, Child]> = [
    ["service", s.service],
    ["agent", s.agent ? h("span", { class: "dt-agent" }, h("span", { class: "dt-dot", style: { background: agentColor(s.agent) } }), s.agent) : null],
    ["operation", s.operation],
    ["model", s.model],
    ["provider", s.provider],
    ["tool", s.tool],
    ["tokens in", s.input_tokens ? formatTokens(s.input_tokens) : "0"],
    ["tokens out", s.output_tokens ? formatTokens(s.output_tokens) : "0"],
    ["tokens total", s.total_tokens ? formatTokens(s.total_tokens) : "0"],
    ["cost", s.cost_usd === null || s.cost_usd === undefined ? "unpriced" : formatCost(s.cost_usd)],
    ["usage counted", s.usage_counted ? "yes" : "no (repeats its descendants' usage)"],
    ["kind", s.kind],
    ["start", `${formatTime(Number(start))} (+${formatDuration(rel)})`],
    ["duration", formatDuration(Number(s.duration_ns))],
    ["span id", h("span", { class: "mono" }, s.span_id)],
    ["parent", s.parent_span_id ? h("a", { class: "mono", href: ctx.spanHref(s.trace_id, s.parent_span_id) }, s.parent_span_id) : "none (root)"],
    ["trace id", h("span", { class: "mono" }, s.trace_id)],
  ];
  if (ctx.criticalNs !== undefined) derived.push(["critical path", `${formatDuration(ctx.criticalNs)} of its own time`]);
  if (s.stitched_parent) {
    const sp = s.stitched_parent;
    derived.push(["inferred parent", h("span", null, h("a", { class: "mono", href: ctx.spanHref(sp.trace_id, sp.span_id) }, sp.span_id), ` (${Number.isFinite(sp.confidence) ? `confidence ${sp.confidence}: ` : ""}${sp.reason})`)]);
  }
  const content = extractContent(s.attributes ?? {}, s.events ?? []);
  const t0 = start;
  return h(
    "div",
    { class: "dt", "data-testid": "span-detail", "data-span-id": s.span_id },
    h("div", { class: "dt-title" },
      h("span", { class: "dt-name" }, s.name),
      h("span", { class: `badge ${err ? "critical" : s.status?.code === "ok" ? "ok" : "info"}` }, s.status?.code ?? "unset")),
    err || s.status?.message ? h("div", { class: `dt-status${err ? " error" : ""}`, "data-testid": "status-message" }, s.status?.message || "error (no message)") : null,
    h("table", { class: "dt-kv derived", "data-testid": "span-derived" },
      h("tbody", null, derived.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) =>
        h("tr", { "data-key": k }, h("th", null, k), h("td", null, v))))),
    content.length ? section("Prompt & completion", renderContent(content)) : null,
    section(`Attributes (${Object.keys(s.attributes ?? {}).length})`, kvTable(s.attributes ?? {}, "span-attr")),
    section(`Events (${(s.events ?? []).length})`,
      (s.events ?? []).length === 0 ? h("div", { class: "dt-none" }, "none") :
        h("ul", { class: "dt-events" }, s.events.map((e) => {
          let off = "";
          try { off = `+${formatDuration(Number(BigInt(e.time_unix_nano) - t0))}`; } catch { /* bad time */ }
          return h("li", { "data-testid": "span-event" },
            h("div", { class: "dt-ev-head" }, h("span", { class: "mono dt-ev-time" }, off), h("b", null, e.name)),
            Object.keys(e.attributes ?? {}).length ? kvTable(e.attributes, "event-attr") : null);
        }))),
    section(`Links (${(s.links ?? []).length})`,
      (s.links ?? []).length === 0 ? h("div", { class: "dt-none" }, "none") :
        h("ul", { class: "dt-links" }, s.links.map((l) =>
          h("li", { "data-testid": "span-link" },
            h("a", { class: "mono", href: ctx.spanHref(l.trace_id, l.span_id) }, `${l.trace_id.slice(0, 8)}…/${l.span_id}`),
            Object.keys(l.attributes ?? {}).length ? kvTable(l.attributes, "link-attr") : null)))),
    section("Resource", kvTable(s.resource ?? {}, "resource-attr")),
    section("Scope",
      h("table", { class: "dt-kv" }, h("tbody", null,
        h("tr", null, h("th", null, "scope"), h("td", { class: "mono" }, `${s.scope?.name ?? ""} ${s.scope?.version ?? ""}`.trim() || "—")),
        h("tr", null, h("th", null, "trace state"), h("td", { class: "mono" }, s.trace_state || "—")),
        h("tr", null, h("th", null, "flags"), h("td", { class: "mono" }, String(s.flags ?? "—")))))),
  );
}
