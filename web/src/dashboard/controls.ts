// Small DOM controls shared by the graph, dashboard and findings views: time-range presets,
// filter inputs committed to the URL, the error box.
import { h } from "../lib/dom";
import { ApiError } from "../lib/api";

// Segmented buttons, one per preset; `data-range` names each, the chosen one is "active".
export function presetBar(presets: string[], current: string, onPick: (p: string) => void, testId = "range-presets"): HTMLElement {
  const bar = h("div", { class: "ctl-presets", role: "group", "aria-label": "Time range", "data-testid": testId });
  const mark = (chosen: string) => {
    for (const b of bar.querySelectorAll<HTMLButtonElement>("button")) {
      const on = b.dataset.range === chosen;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    }
  };
  for (const p of presets) {
    bar.append(
      h(
        "button",
        {
          type: "button",
          "data-range": p,
          onclick: () => {
            mark(p);
            onPick(p);
          },
        },
        p === "all" ? "all" : `last ${p}`,
      ),
    );
  }
  mark(current);
  return bar;
}

// A labelled text filter: commits on Enter, on change (blur) and 400 ms after typing stops.
export function filterInput(
  name: string,
  value: string,
  onCommit: (v: string) => void,
  options: string[] = [],
  placeholder = "any",
): { el: HTMLElement; setOptions: (opts: string[]) => void } {
  const listId = `dl-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const list = h("datalist", { id: listId });
  const input = h("input", {
    type: "search",
    name,
    value,
    placeholder,
    list: listId,
    spellcheck: "false",
    autocomplete: "off",
    "data-testid": `filter-${name}`,
    size: 12,
  });
  let last = value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const commit = () => {
    clearTimeout(timer);
    const v = input.value.trim();
    if (v === last) return;
    last = v;
    onCommit(v);
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") commit();
  });
  input.addEventListener("change", commit);
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(commit, 400);
  });
  const setOptions = (opts: string[]) => {
    list.replaceChildren(...opts.map((o) => h("option", { value: o })));
  };
  setOptions(options);
  return { el: h("label", { class: "ctl-filter" }, h("span", null, name), input, list), setOptions };
}

export function errorBox(err: unknown, what = "Request failed"): HTMLElement {
  const msg = err instanceof ApiError ? err.message : err instanceof Error ? err.message : String(err);
  return h("div", { class: "error-box", role: "alert", "data-testid": "error-box" }, `${what}: ${msg}`);
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === "AbortError";
}

// Copies `q`, setting or (when empty) removing each given parameter.
export function withParams(q: URLSearchParams, set: Record<string, string | null | undefined>): URLSearchParams {
  const out = new URLSearchParams(q);
  for (const [k, v] of Object.entries(set)) {
    if (v === null || v === undefined || v === "") out.delete(k);
    else out.set(k, v);
  }
  return out;
}
