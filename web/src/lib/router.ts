// History-API routing. The server answers every UI path with index.html, so a URL (filters,
// selected span, finding) can be shared and reloaded.
export interface Route {
  name: "traces" | "trace" | "trace-graph" | "graph" | "dashboard" | "findings" | "not-found";
  traceId?: string;
  query: URLSearchParams;
}

export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const parts = pathname.split("/").filter(Boolean);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "traces")) return { name: "traces", query };
  if (parts[0] === "traces" && parts.length === 2) return { name: "trace", traceId: parts[1], query };
  if (parts[0] === "traces" && parts.length === 3 && parts[2] === "graph")
    return { name: "trace-graph", traceId: parts[1], query };
  if (parts.length === 1 && (parts[0] === "graph" || parts[0] === "dashboard" || parts[0] === "findings"))
    return { name: parts[0], query };
  return { name: "not-found", query };
}

type Listener = () => void;
const listeners: Listener[] = [];

export function onNavigate(fn: Listener): void {
  listeners.push(fn);
}

// Goes to `url` (path + query). `replace` keeps the history entry (filter edits).
export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  for (const fn of listeners) fn();
}

// Replaces the query of the current URL without re-rendering the view (the view already shows
// the state; the URL only records it for sharing).
export function setQuery(query: URLSearchParams): void {
  const qs = query.toString();
  history.replaceState(null, "", location.pathname + (qs ? `?${qs}` : ""));
}

export function startRouter(render: () => void): void {
  window.addEventListener("popstate", render);
  onNavigate(render);
  // Plain left clicks on same-origin links navigate without a reload.
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element).closest?.("a");
    if (!a || a.target || a.hasAttribute("download")) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
    e.preventDefault();
    navigate(url.pathname + url.search);
  });
  render();
}
