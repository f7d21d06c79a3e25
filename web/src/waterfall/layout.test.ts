import { describe, expect, it } from "vitest";
import { barGeom, estimateTextW, labelSide, poolSize, rowSpanPx, rowWindow, scrollToCenter, scrollToShow } from "./layout";

describe("virtualisation window", () => {
  it("renders the rows in the viewport plus overscan", () => {
    expect(rowWindow(0, 220, 22, 100_000, 5)).toEqual({ first: 0, last: 15 });
    expect(rowWindow(22 * 1000, 220, 22, 100_000, 5)).toEqual({ first: 995, last: 1015 });
    expect(rowWindow(22 * 99_995, 220, 22, 100_000, 5)).toEqual({ first: 99_990, last: 100_000 });
    expect(rowWindow(0, 500, 22, 0)).toEqual({ first: 0, last: 0 });
  });
  it("a partially scrolled row is included", () => {
    const w = rowWindow(11, 22, 22, 10, 0);
    expect(w).toEqual({ first: 0, last: 2 });
  });
  it("the pool always covers the window", () => {
    for (const st of [0, 7, 11, 21, 22, 1000.5]) {
      const w = rowWindow(st, 400, 22, 1e6, 6);
      expect(w.last - w.first).toBeLessThanOrEqual(poolSize(400, 22, 6));
    }
  });
  it("scrolls a row into view only when needed", () => {
    expect(scrollToShow(5, 0, 220, 22)).toBe(0);
    expect(scrollToShow(20, 0, 220, 22)).toBe(21 * 22 - 220);
    expect(scrollToShow(2, 100, 220, 22)).toBe(44);
    expect(scrollToShow(2, 100, 220, 22, 1)).toBe(22);
    expect(scrollToCenter(500, 220, 22, 1000)).toBe(500 * 22 + 11 - 110);
    expect(scrollToCenter(0, 220, 22, 1000)).toBe(0);
    expect(scrollToCenter(999, 220, 22, 1000)).toBe(1000 * 22 - 220);
  });
  it("rowSpanPx spans the rows of a group", () => {
    expect(rowSpanPx(7, 3, 22)).toEqual({ top: 66, height: 110 });
  });
});

describe("bars", () => {
  const v = { t0: 1000, t1: 2000 };
  it("maps time to pixels", () => {
    expect(barGeom(1250, 500, v, 400)).toEqual({ x: 100, w: 200, clipLeft: false, clipRight: false, hidden: false });
  });
  it("clips bars at the window's edges", () => {
    const g = barGeom(500, 1000, v, 400);
    expect(g.x).toBe(0);
    expect(g.w).toBe(200);
    expect(g.clipLeft).toBe(true);
    const r = barGeom(1750, 1000, v, 400);
    expect(r.x + r.w).toBe(400);
    expect(r.clipRight).toBe(true);
  });
  it("gives tiny spans a visible width and flags spans outside the window", () => {
    expect(barGeom(1500, 0, v, 400).w).toBe(2);
    expect(barGeom(1999.9, 0, v, 400).x).toBe(398);
    expect(barGeom(100, 200, v, 400).hidden).toBe(true);
    expect(barGeom(2500, 200, v, 400).hidden).toBe(true);
  });
  it("overlapping spans give overlapping bars", () => {
    const a = barGeom(1100, 400, v, 400), b = barGeom(1200, 300, v, 400);
    expect(a.x < b.x + b.w && b.x < a.x + a.w).toBe(true);
  });
  it("places duration labels inside, right or left", () => {
    expect(labelSide(10, 200, 50, 400)).toBe("inside");
    expect(labelSide(10, 20, 50, 400)).toBe("right");
    expect(labelSide(340, 50, 50, 400)).toBe("left");
    // fits nowhere whole: the roomiest place
    expect(labelSide(100, 280, 400, 400)).toBe("inside");
    expect(labelSide(10, 20, 500, 400)).toBe("right");
    expect(labelSide(300, 20, 500, 400)).toBe("left");
    expect(estimateTextW("1.23 s")).toBeGreaterThan(30);
  });
});
