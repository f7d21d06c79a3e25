import "./style.css";
import { h, clear } from "./lib/dom";
import { parseRoute, startRouter, type Route } from "./lib/router";
import { initTheme, toggleTheme } from "./lib/theme";
import { getJson } from "./lib/api";
import { setKnownAgents } from "./lib/colors";
import { mountTraceList } from "./views/trace_list";
import { mountTraceView } from "./views/trace_view";
import { mountGraphView } from "./views/graph_view";
import { mountDashboard } from "./views/dashboard";
import { mountFindings } from "./views/findings";

// Every view: mount into `root`, return the function that tears it down (listeners, timers).
export type Unmount = () => void;

const NAV: Array<[Route["name"], string, string]> = [
  ["traces", "/", "Traces"],
  ["graph", "/graph", "Agent graph"],
  ["dashboard", "/dashboard", "Cost & usage"],
  ["findings", "/findings", "Findings"],
];

function shell(): { nav: HTMLElement; main: HTMLElement } {
  const app = document.getElementById("app")!;
  const nav = h("nav", { class: "nav" });
  const main = h("main", { class: "main" });
  const header = h(
    "header",
    { class: "topbar" },
    h("a", { class: "brand", href: "/" }, "hoptrace"),
    nav,
    h("button", { class: "theme-toggle", title: "Light / dark theme", "aria-label": "Toggle theme", onclick: toggleTheme }, "◐"),
  );
  app.append(header, main);
  return { nav, main };
}

// The server's agents get their colour slots before the first view draws (lib/colors.ts).
async function loadAgentColors(): Promise<void> {
  try {
    const stats = await getJson<{ rows: Array<{ agent: string | null }> }>("/api/v1/stats", { group_by: "agent" });
    setKnownAgents(stats.rows.map((r) => r.agent ?? ""));
  } catch {
    /* colours by name hash; the views report API errors themselves */
  }
}

async function main(): Promise<void> {
  initTheme();
  await loadAgentColors();
  const { nav, main } = shell();
  let unmount: Unmount | null = null;
  const render = () => {
    const route = parseRoute(location.pathname, location.search);
    clear(nav);
    for (const [name, href, label] of NAV) {
      const active = name === route.name || (name === "traces" && route.name === "trace") ||
        (name === "graph" && route.name === "trace-graph");
      nav.append(h("a", { href, class: active ? "active" : "" }, label));
    }
    unmount?.();
    clear(main);
    switch (route.name) {
      case "traces": unmount = mountTraceList(main, route); break;
      case "trace": unmount = mountTraceView(main, route); break;
      case "trace-graph":
      case "graph": unmount = mountGraphView(main, route); break;
      case "dashboard": unmount = mountDashboard(main, route); break;
      case "findings": unmount = mountFindings(main, route); break;
      default:
        main.append(h("div", { class: "empty" }, "No such page. ", h("a", { href: "/" }, "Back to the traces")));
        unmount = null;
    }
  };
  startRouter(render);
}

void main();
