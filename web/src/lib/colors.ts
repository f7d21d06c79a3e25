// One colour per agent, the same in every view (waterfall bars, graph nodes, charts).
const PALETTE = [
  "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
  "#edc948", "#ff9da7", "#9c755f", "#e15759", "#bab0ac",
];

export function agentColor(name: string): string {
  if (!name) return "#8a8f98";
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return PALETTE[(h >>> 0) % PALETTE.length];
}

export const ERROR_COLOR = "#d62728";
