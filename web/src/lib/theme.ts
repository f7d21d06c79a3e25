// Light and dark themes: CSS variables switched by <html data-theme>, following the system
// setting until the user picks one (remembered in localStorage).
const KEY = "hoptrace.theme";

export function currentTheme(): "light" | "dark" {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

export function initTheme(): void {
  let saved: string | null = null;
  try { saved = localStorage.getItem(KEY); } catch { /* storage disabled */ }
  const dark = saved ? saved === "dark" : window.matchMedia?.("(prefers-color-scheme: dark)").matches;
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function toggleTheme(): void {
  const next = currentTheme() === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  try { localStorage.setItem(KEY, next); } catch { /* storage disabled */ }
  window.dispatchEvent(new CustomEvent("hoptrace-theme", { detail: next }));
}
