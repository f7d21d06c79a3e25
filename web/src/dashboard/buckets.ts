// Splitting a time window into equal buckets whose inclusive [since, until] bounds partition
// it exactly: every nanosecond of the window lies in exactly one bucket, so the per-bucket
// /api/v1/stats figures add up to the window's (both bounds of the API are inclusive).
import type { Window } from "./time";

export interface Bucket {
  index: number;
  since: bigint; // inclusive
  until: bigint; // inclusive
}

// `n` buckets over [since, until] (inclusive). Boundaries b_i = since + floor(W·i/n) with
// W = until − since + 1 nanoseconds; bucket i is [b_i, b_{i+1} − 1]. When the window holds
// fewer than `n` nanoseconds, one bucket per nanosecond.
export function splitWindow(w: Window, n: number): Bucket[] {
  if (w.until < w.since) throw new Error("splitWindow: until before since");
  if (!Number.isInteger(n) || n < 1) throw new Error("splitWindow: bucket count must be a positive integer");
  const width = w.until - w.since + 1n;
  const count = BigInt(n) > width ? Number(width) : n;
  const nb = BigInt(count);
  const out: Bucket[] = [];
  for (let i = 0; i < count; i++) {
    const lo = w.since + (width * BigInt(i)) / nb;
    const hi = w.since + (width * BigInt(i + 1)) / nb - 1n;
    out.push({ index: i, since: lo, until: hi });
  }
  return out;
}

// How many buckets a window of `rangeNs` gets: a round bucket width giving 24–60 buckets.
const NICE_WIDTHS_S = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
  172800, 604800,
];
export function bucketCountFor(rangeNs: bigint): number {
  const rangeS = Number(rangeNs) / 1e9;
  let n = 60;
  for (const w of NICE_WIDTHS_S) {
    const k = Math.ceil(rangeS / w);
    if (k <= 60) {
      n = k;
      break;
    }
  }
  return Math.max(24, Math.min(60, n));
}

// Runs `fn` over `items` with at most `limit` calls in flight; results in input order. Stops
// starting new calls after the first failure and rejects with it.
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (e) {
        if (!failed) firstError = e;
        failed = true;
      }
    }
  };
  const workers = [];
  for (let k = 0; k < Math.max(1, Math.min(limit, items.length)); k++) workers.push(worker());
  await Promise.all(workers);
  if (failed) throw firstError;
  return out;
}
