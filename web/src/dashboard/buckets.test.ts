import { describe, expect, it } from "vitest";
import { bucketCountFor, mapLimit, splitWindow } from "./buckets";

const H = 3_600_000_000_000n;
const D = 24n * H;

function checkPartition(since: bigint, until: bigint, n: number) {
  const b = splitWindow({ since, until }, n);
  expect(b[0].since).toBe(since);
  expect(b[b.length - 1].until).toBe(until);
  for (let i = 0; i < b.length; i++) {
    expect(b[i].index).toBe(i);
    expect(b[i].until >= b[i].since).toBe(true);
    if (i > 0) expect(b[i].since).toBe(b[i - 1].until + 1n); // no gap, no overlap
  }
  // Widths differ by at most one nanosecond and add up to the window.
  const widths = b.map((x) => x.until - x.since + 1n);
  const total = widths.reduce((s, w) => s + w, 0n);
  expect(total).toBe(until - since + 1n);
  const min = widths.reduce((m, w) => (w < m ? w : m));
  const max = widths.reduce((m, w) => (w > m ? w : m));
  expect(max - min <= 1n).toBe(true);
  return b;
}

describe("splitWindow", () => {
  it("partitions a 24 h window of real unix-nano times exactly", () => {
    const until = 1795580824478053102n; // beyond 2^53: must not go through doubles
    const since = until - D;
    const b = checkPartition(since, until, 48);
    expect(b.length).toBe(48);
    expect(b[1].since - b[0].since).toBe(D / 48n); // 24h+1ns over 48: the first widths are 30 min
  });

  it("partitions awkward sizes (prime widths, prime counts)", () => {
    checkPartition(1000n, 1000n + 104_729n, 7);
    checkPartition(0n, 59n, 60); // exactly one nanosecond each
    checkPartition(5n, 5n + 12_345_678_901n, 37);
  });

  it("gives one bucket per nanosecond when the window is smaller than n", () => {
    const b = checkPartition(10n, 14n, 60);
    expect(b.length).toBe(5);
    expect(b.map((x) => x.since)).toEqual([10n, 11n, 12n, 13n, 14n]);
  });

  it("a single bucket is the window itself", () => {
    expect(splitWindow({ since: 3n, until: 99n }, 1)).toEqual([{ index: 0, since: 3n, until: 99n }]);
  });

  it("rejects an inverted window and a bad count", () => {
    expect(() => splitWindow({ since: 10n, until: 9n }, 4)).toThrow();
    expect(() => splitWindow({ since: 0n, until: 9n }, 0)).toThrow();
    expect(() => splitWindow({ since: 0n, until: 9n }, 2.5)).toThrow();
  });
});

describe("bucketCountFor", () => {
  it("gives round bucket widths between 24 and 60 buckets for the presets", () => {
    expect(bucketCountFor(H)).toBe(60); // 1 min
    expect(bucketCountFor(6n * H)).toBe(36); // 10 min
    expect(bucketCountFor(D)).toBe(48); // 30 min
    expect(bucketCountFor(7n * D)).toBe(56); // 3 h
    expect(bucketCountFor(30n * D)).toBe(60); // 12 h
  });
  it("stays within 24..60 for any range", () => {
    for (const r of [1n, 1000n, 59_000_000_000n, 2n * H + 7n, 400n * D]) {
      const n = bucketCountFor(r);
      expect(n).toBeGreaterThanOrEqual(24);
      expect(n).toBeLessThanOrEqual(60);
    }
  });
});

describe("mapLimit", () => {
  it("keeps the input order and never exceeds the limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 25 }, (_, i) => i);
    const out = await mapLimit(items, 6, async (x) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (x * 7) % 5));
      inFlight--;
      return x * 2;
    });
    expect(out).toEqual(items.map((x) => x * 2));
    expect(peak).toBe(6);
  });

  it("rejects with the first failure and starts nothing after it", async () => {
    const started: number[] = [];
    await expect(
      mapLimit([0, 1, 2, 3, 4, 5, 6, 7], 2, async (x) => {
        started.push(x);
        await new Promise((r) => setTimeout(r, 1));
        if (x === 1) throw new Error("boom");
        return x;
      }),
    ).rejects.toThrow("boom");
    expect(started.length).toBeLessThan(8);
  });

  it("handles an empty list", async () => {
    expect(await mapLimit([], 6, async (x) => x)).toEqual([]);
  });
});
