// Colours of the dashboard's chart series.
import { agentColor } from "../lib/colors";
import { OTHER_LABEL, type Dim } from "./stats";

export const PALETTE = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#3b8bc2",
];
export const OTHER_COLOR = "#9aa0a8";

// Series colours, one per key across every chart of the dashboard (`keyLists`: each chart's
// keys, in order). Agents keep their colour of every view (agentColor) unless a key before
// them already has it — two same-coloured segments of a stack cannot be told apart — in which
// case they take the first palette colour not in use. Models and providers get palette
// colours in order of first appearance; "other" is grey.
export function seriesColorMap(keyLists: string[][], dim: Dim): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  let next = 0;
  for (const keys of keyLists) {
    for (const k of keys) {
      if (out.has(k)) continue;
      let c: string;
      if (k === OTHER_LABEL) c = OTHER_COLOR;
      else if (dim === "agent") c = agentColor(k === "(none)" ? "" : k);
      else c = PALETTE[next++ % PALETTE.length];
      if (k !== OTHER_LABEL && used.has(c)) c = PALETTE.find((p) => !used.has(p)) ?? c;
      used.add(c);
      out.set(k, c);
    }
  }
  return out;
}
