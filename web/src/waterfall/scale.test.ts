import { describe, expect, it } from "vitest";
import { MIN_WINDOW_NS, clampView, formatRange, formatTick, niceStep, pan, tOf, ticks, xOf, zoomAt, zoomTo } from "./scale";

const total = 10_000_000_000; // 10 s

describe("zoom and pan", () => {
  it("zooming keeps the time under the cursor in place", () => {
    const v = { t0: 0, t1: total };
    const anchor = 2_500_000_000;
    const z = zoomAt(v, 0.5, anchor, total);
    expect(z.t1 - z.t0).toBeCloseTo(total / 2);
    expect(xOf(anchor, z, 1000)).toBeCloseTo(xOf(anchor, v, 1000));
    const back = zoomAt(z, 2, anchor, total);
    expect(back).toEqual({ t0: 0, t1: total });
  });
  it("never zooms out past the trace nor in past the minimum window", () => {
    expect(zoomAt({ t0: 0, t1: total }, 4, 5e9, total)).toEqual({ t0: 0, t1: total });
    const z = zoomAt({ t0: 0, t1: 2000 }, 0.001, 1000, total);
    expect(z.t1 - z.t0).toBe(MIN_WINDOW_NS);
    // a trace shorter than the minimum window
    expect(zoomAt({ t0: 0, t1: 500 }, 0.1, 250, 500)).toEqual({ t0: 0, t1: 500 });
  });
  it("panning moves the window and stops at the edges", () => {
    const v = { t0: 1e9, t1: 2e9 };
    expect(pan(v, 5e8, total)).toEqual({ t0: 1.5e9, t1: 2.5e9 });
    expect(pan(v, -5e9, total)).toEqual({ t0: 0, t1: 1e9 });
    expect(pan(v, 50e9, total)).toEqual({ t0: 9e9, t1: 10e9 });
  });
  it("clampView repairs bad windows", () => {
    expect(clampView({ t0: -5, t1: 20e9 }, total)).toEqual({ t0: 0, t1: total });
    expect(clampView({ t0: NaN, t1: NaN }, total)).toEqual({ t0: 0, t1: MIN_WINDOW_NS });
  });
  it("zoomTo frames a range with a margin, in either order", () => {
    const v = zoomTo(3e9, 1e9, total, 0.1);
    expect(v.t0).toBeCloseTo(0.8e9);
    expect(v.t1).toBeCloseTo(3.2e9);
  });
  it("x and t are inverse mappings", () => {
    const v = { t0: 1e9, t1: 3e9 };
    expect(xOf(2e9, v, 800)).toBe(400);
    expect(tOf(400, v, 800)).toBe(2e9);
  });
});

describe("ticks", () => {
  it("niceStep picks 1, 2 or 5 × 10^k", () => {
    expect(niceStep(10, 10)).toBe(1);
    expect(niceStep(10, 4)).toBe(5);
    expect(niceStep(2.6e9, 8)).toBe(5e8);
    expect(niceStep(7e6, 5)).toBe(2e6);
    expect(niceStep(0, 5)).toBe(1);
  });
  it("covers the window with round values and readable labels", () => {
    const tk = ticks({ t0: 0, t1: 2.6e9 }, 900, 90);
    expect(tk.map((t) => t.t)).toEqual([0, 5e8, 1e9, 1.5e9, 2e9, 2.5e9]);
    expect(tk.map((t) => t.label)).toEqual(["0", "0.5 s", "1.0 s", "1.5 s", "2.0 s", "2.5 s"]);
  });
  it("labels a zoomed window in a finer unit", () => {
    const tk = ticks({ t0: 1.2e6, t1: 1.9e6 }, 700, 90);
    expect(tk[0].t).toBeCloseTo(1.2e6);
    expect(tk.every((t) => t.t >= 1.2e6 - 1 && t.t <= 1.9e6 + 1)).toBe(true);
    expect(tk[0].label).toBe("1.2 ms");
    expect(formatTick(250e6, 50e6, 1e6)).toBe("250 ms");
    expect(formatTick(1500, 500, 1e3)).toBe("1.5 µs");
    expect(formatTick(3_200_300_000, 100_000, 1e9)).toBe("3.2003 s");
    expect(formatRange({ t0: 64_700_000_000, t1: 64_889_000_000 })).toBe("64.700 s – 64.889 s");
    expect(formatRange({ t0: 0, t1: 2_500_000 })).toBe("0 – 2.50 ms");
  });
});
