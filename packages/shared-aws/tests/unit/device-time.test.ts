// A device time is a reading from 2000-01-01 to a day after the moment it is judged against.
import { describe, expect, it } from "@jest/globals";
import { DEVICE_CLOCK_AHEAD_MS, plausibleDeviceTime } from "../../src/device-time";

describe("plausibleDeviceTime", () => {
  const now = Date.parse("2026-11-29T00:00:00Z");

  it("takes times from 2000 up to a day ahead of the reference", () => {
    expect(plausibleDeviceTime(Date.parse("2000-01-01T00:00:00Z"), now)).toBe(true);
    expect(plausibleDeviceTime(now, now)).toBe(true);
    expect(plausibleDeviceTime(now + DEVICE_CLOCK_AHEAD_MS, now)).toBe(true);
  });

  it("refuses a clock never set, seconds read as milliseconds, and a clock far ahead", () => {
    expect(plausibleDeviceTime(Date.parse("1999-12-31T23:59:59Z"), now)).toBe(false);
    expect(plausibleDeviceTime(Math.floor(now / 1000), now)).toBe(false);
    expect(plausibleDeviceTime(now + DEVICE_CLOCK_AHEAD_MS + 1, now)).toBe(false);
  });
});
