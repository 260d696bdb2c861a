// Device clocks: an instant before 2000, or more than a day after a reference (now, or when the broker received
// the message), is a clock never set or a wrong unit, not a reading. One rule for every domain that reads them.

/** The earliest device time taken as a reading (ISO date). */
export const EARLIEST_DEVICE_TIME = "2000-01-01";
const EARLIEST_MS = Date.parse(EARLIEST_DEVICE_TIME);
/** How far a device clock may run ahead of the reference. */
export const DEVICE_CLOCK_AHEAD_MS = 86_400_000;

/** Whether `atMs` can be a device's reading, given the moment it is judged against. */
export const plausibleDeviceTime = (atMs: number, referenceMs: number): boolean =>
  atMs >= EARLIEST_MS && atMs <= referenceMs + DEVICE_CLOCK_AHEAD_MS;
