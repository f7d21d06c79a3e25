// Time windows of the dashboard: relative presets ("24h") turned into absolute unix-nano
// bounds, as BigInt (unix nanoseconds do not fit a double).

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

// "15m" → 900000000000n; null when it is not `<integer><unit>` (the server's relative form).
export function parseDurationNs(text: string): bigint | null {
  const m = /^(\d+)(ns|us|ms|s|m|h|d)$/.exec(text.trim());
  if (!m) return null;
  return BigInt(m[1]) * UNIT_NS[m[2]];
}

// A unix-nano decimal string as BigInt; null unless it is plain digits.
export function parseUnixNano(text: string | null | undefined): bigint | null {
  if (!text || !/^\d{1,20}$/.test(text)) return null;
  return BigInt(text);
}

export function nowUnixNano(nowMs: number = Date.now()): bigint {
  return BigInt(Math.floor(nowMs)) * 1_000_000n;
}

export interface Window {
  since: bigint; // inclusive
  until: bigint; // inclusive
}

// The window a preset names, ending at `now` (both bounds inclusive, as the API's).
export function presetWindow(preset: string, now: bigint): Window | null {
  const d = parseDurationNs(preset);
  if (d === null || d <= 0n) return null;
  const since = now > d ? now - d : 0n;
  return { since, until: now };
}

// Unix nanoseconds → JavaScript milliseconds (a double; sub-ms precision lost, fine to draw).
export function nanoToMs(ns: bigint): number {
  return Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;
}
