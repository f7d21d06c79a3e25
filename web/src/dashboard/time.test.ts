import { describe, expect, it } from "vitest";
import { nanoToMs, nowUnixNano, parseDurationNs, parseUnixNano, presetWindow } from "./time";

describe("time windows", () => {
  it("parses the server's relative durations", () => {
    expect(parseDurationNs("15m")).toBe(900_000_000_000n);
    expect(parseDurationNs("24h")).toBe(86_400_000_000_000n);
    expect(parseDurationNs("30d")).toBe(2_592_000_000_000_000n);
    expect(parseDurationNs("250ms")).toBe(250_000_000n);
    expect(parseDurationNs("7")).toBeNull();
    expect(parseDurationNs("h")).toBeNull();
    expect(parseDurationNs("1.5h")).toBeNull();
    expect(parseDurationNs("-1h")).toBeNull();
  });

  it("parses unix nanoseconds exactly", () => {
    expect(parseUnixNano("1795580824478053102")).toBe(1795580824478053102n);
    expect(parseUnixNano("24h")).toBeNull();
    expect(parseUnixNano("")).toBeNull();
    expect(parseUnixNano(null)).toBeNull();
  });

  it("a preset window ends now and starts the duration before", () => {
    const now = nowUnixNano(1_700_000_000_123);
    expect(now).toBe(1_700_000_000_123_000_000n);
    expect(presetWindow("1h", now)).toEqual({ since: now - 3_600_000_000_000n, until: now });
    expect(presetWindow("nonsense", now)).toBeNull();
    expect(presetWindow("0h", now)).toBeNull();
    expect(presetWindow("100000d", 5n)).toEqual({ since: 0n, until: 5n });
  });

  it("converts to milliseconds keeping sub-millisecond digits", () => {
    expect(nanoToMs(1_700_000_000_123_456_789n)).toBeCloseTo(1_700_000_000_123.4568, 3);
  });
});
