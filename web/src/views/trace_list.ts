// Placeholder until the view lands (being written now).
import { h } from "../lib/dom";
import type { Route } from "../lib/router";

export function mountTraceList(root: HTMLElement, _route: Route): () => void {
  root.append(h("div", { class: "empty" }, "This view is being built."));
  return () => {};
}
