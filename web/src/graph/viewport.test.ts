import { describe, expect, it } from "vitest";
import { MAX_ZOOM, MIN_ZOOM, fitView, panBy, toContent, zoomAt } from "./viewport";

describe("viewport", () => {
  it("fits and centres the content", () => {
    const v = fitView(1000, 500, 548, 548, 24);
    expect(v.k).toBeCloseTo(0.5);
    expect(v.tx).toBeCloseTo(24);
    expect(v.ty).toBeCloseTo((548 - 250) / 2);
  });
  it("does not magnify small graphs beyond maxK", () => {
    expect(fitView(100, 50, 1000, 800, 24, 1.25).k).toBe(1.25);
  });
  it("zooming keeps the point under the cursor in place", () => {
    const v = { k: 0.8, tx: 30, ty: -12 };
    const before = toContent(v, 400, 300);
    const z = zoomAt(v, 1.7, 400, 300);
    const after = toContent(z, 400, 300);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
    expect(z.k).toBeCloseTo(1.36);
  });
  it("clamps the zoom", () => {
    expect(zoomAt({ k: 1, tx: 0, ty: 0 }, 1000, 0, 0).k).toBe(MAX_ZOOM);
    expect(zoomAt({ k: 1, tx: 0, ty: 0 }, 1e-6, 0, 0).k).toBe(MIN_ZOOM);
  });
  it("pans", () => {
    expect(panBy({ k: 2, tx: 1, ty: 2 }, 10, -5)).toEqual({ k: 2, tx: 11, ty: -3 });
  });
});
