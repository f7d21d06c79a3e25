import { describe, expect, it } from "vitest";
import { splitWindow } from "./buckets";
import { NONE_LABEL, OTHER_LABEL, mergeSeries, modelsForPriceLookup, stack, tableRows, unpricedModels, type StatsRow } from "./stats";

function row(key: Partial<StatsRow>, tokens: number, cost: number | null, spans = 1): StatsRow {
  return { spans, errors: 0, input_tokens: Math.floor(tokens * 0.8), output_tokens: tokens - Math.floor(tokens * 0.8), total_tokens: tokens, cost_usd: cost, ...key };
}

describe("tableRows", () => {
  it("sorts by cost desc, then tokens desc, then name; '(none)' last on ties", () => {
    const rows = tableRows(
      [
        row({ model: "b" }, 100, 1),
        row({ model: null }, 0, 0, 50),
        row({ model: "a" }, 500, 3),
        row({ model: "c" }, 900, 1),
        row({ model: "z" }, 0, 0),
        row({ model: "d" }, 100, 1),
      ],
      "model",
    );
    expect(rows.map((r) => r.key)).toEqual(["a", "c", "b", "d", "z", NONE_LABEL]);
    expect(rows.find((r) => r.key === NONE_LABEL)!.isNone).toBe(true);
    expect(rows.find((r) => r.key === NONE_LABEL)!.spans).toBe(50);
  });

  it("merges repeated keys and treats a null cost as 0", () => {
    const rows = tableRows([row({ agent: "x" }, 10, 0.5, 2), row({ agent: "x" }, 5, null, 3)], "agent");
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: "x", spans: 5, total_tokens: 15, cost_usd: 0.5 });
  });
});

describe("unpriced models", () => {
  const models = tableRows(
    [row({ model: "gpt-4o" }, 1000, 2.5), row({ model: "claude-haiku-4" }, 3000, 0), row({ model: "mystery" }, 50, 0), row({ model: "idle" }, 0, 0), row({ model: null }, 0, 0)],
    "model",
  );

  it("asks the price API about named models with tokens only", () => {
    expect(modelsForPriceLookup(models)).toEqual(["claude-haiku-4", "gpt-4o", "mystery"]);
  });

  it("follows the price API when it answers", () => {
    const out = unpricedModels(models, {
      models: [
        { model: "gpt-4o", priced: true },
        { model: "claude-haiku-4", priced: false },
        { model: "mystery", priced: true }, // priced, cost 0 (a free model): not unpriced
      ],
    });
    expect(out).toEqual([{ model: "claude-haiku-4", total_tokens: 3000, spans: 1, basis: "api" }]);
  });

  it("falls back to 'tokens but no cost' without price information", () => {
    expect(unpricedModels(models, null).map((u) => [u.model, u.basis])).toEqual([
      ["claude-haiku-4", "inferred"],
      ["mystery", "inferred"],
    ]);
    // a model the answer does not list falls back too
    expect(unpricedModels(models, { models: [{ model: "claude-haiku-4", priced: false }] }).map((u) => [u.model, u.basis])).toEqual([
      ["claude-haiku-4", "api"],
      ["mystery", "inferred"],
    ]);
  });

  it("never lists a model without tokens, even if unpriced", () => {
    expect(unpricedModels(models, { models: [{ model: "idle", priced: false }] }).map((u) => u.model)).not.toContain("idle");
  });
});

describe("mergeSeries", () => {
  const buckets = splitWindow({ since: 1_700_000_000_000_000_000n, until: 1_700_000_000_000_000_000n + 3_000_000_000n - 1n }, 3);

  it("puts each bucket's rows in its slot and orders series by total", () => {
    const rows: StatsRow[][] = [
      [row({ agent: "a" }, 10, 0.1), row({ agent: "b" }, 5, 0.2)],
      [],
      [row({ agent: "b" }, 30, 0.3), row({ agent: null }, 1, 0)],
    ];
    const t = mergeSeries(buckets, rows, "agent", "total_tokens");
    expect(t.keys).toEqual(["b", "a", NONE_LABEL]);
    expect(t.values).toEqual([
      [5, 0, 30],
      [10, 0, 0],
      [0, 0, 1],
    ]);
    expect(t.totals).toEqual([35, 10, 1]);
    expect(t.sum).toBe(46);
    expect(t.x).toEqual([1_700_000_000, 1_700_000_001, 1_700_000_002]);
    const c = mergeSeries(buckets, rows, "agent", "cost_usd");
    expect(c.keys).toEqual(["b", "a"]); // (none) had no cost: no empty series
    expect(c.sum).toBeCloseTo(0.6, 12);
  });

  it("the series add up to the same figures as the buckets' rows", () => {
    const rows: StatsRow[][] = [0, 1, 2].map((i) => ["p", "q", "r"].map((m, k) => row({ model: m }, (i + 1) * (k + 2) * 7, 0)));
    const t = mergeSeries(buckets, rows, "model", "total_tokens");
    const direct = rows.flat().reduce((s, r) => s + r.total_tokens, 0);
    expect(t.sum).toBe(direct);
    for (let i = 0; i < 3; i++) {
      expect(t.values.reduce((s, v) => s + v[i], 0)).toBe(rows[i].reduce((s, r) => s + r.total_tokens, 0));
    }
  });

  it("merges the smallest series into 'other' beyond maxSeries", () => {
    const rows: StatsRow[][] = [Array.from({ length: 6 }, (_, k) => row({ model: `m${k}` }, 100 - k, 0)), [], []];
    const t = mergeSeries(buckets, rows, "model", "total_tokens", 4);
    expect(t.keys).toEqual(["m0", "m1", "m2", OTHER_LABEL]);
    expect(t.totals[3]).toBe(97 + 96 + 95);
    expect(t.sum).toBe(100 + 99 + 98 + 97 + 96 + 95);
  });

  it("needs one answer per bucket", () => {
    expect(() => mergeSeries(buckets, [[]], "agent", "total_tokens")).toThrow();
  });
});

describe("stack", () => {
  it("accumulates series bottom-up", () => {
    expect(stack([[1, 2], [3, 4], [0, 1]])).toEqual([[1, 2], [4, 6], [4, 7]]);
    expect(stack([])).toEqual([]);
  });
});
