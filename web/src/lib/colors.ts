// One colour per agent, the same in every view (waterfall bars, graph nodes, charts).
//
// The agents the server knows are given slots in name order at start-up (setKnownAgents), so the
// fleet's agents never share a colour while there are fewer of them than colours; an agent first
// seen later gets a slot from a hash of its name.
const PALETTE = [
  "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f",
  "#e15759", "#17becf", "#bcbd22", "#8c564b", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
  "#e377c2", "#637939", "#d6616b", "#7b4173",
];

const known = new Map<string, string>();

export function setKnownAgents(names: Iterable<string>): void {
  known.clear();
  const sorted = [...new Set(names)].filter(Boolean).sort();
  sorted.forEach((name, i) => known.set(name, PALETTE[i % PALETTE.length]));
}

export function hashSlot(name: string, slots: number): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0) % slots;
}

export function agentColor(name: string): string {
  if (!name) return "#8a8f98";
  return known.get(name) ?? PALETTE[hashSlot(name, PALETTE.length)];
}

export const ERROR_COLOR = "#d62728";
