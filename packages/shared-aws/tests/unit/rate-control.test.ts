// The rate controller against a quota enforced as AWS does (a token bucket), in simulated time: every run is
// exactly repeatable, and a busy machine changes nothing. Calls take 3–12 ms to reach the bucket (seeded);
// throttled calls are retried after a backoff, through the same pacing, as pace() does.
import { describe, expect, it } from "@jest/globals";
import { RateController } from "../../src/rate-control";
import { TokenBucket } from "../../src/testing";

interface Run {
  throttled: number;
  calls: number;
  /** Successful calls a second over the run ÷ the quota. */
  ratio: number;
  learned: number | undefined;
  /** The highest rate the controller asked for. */
  maxRate: number;
}

function simulate(options: {
  quota: number;
  configured: number;
  calls: number;
  learned?: number;
  seed?: number;
}) {
  let seed = options.seed ?? 1;
  const random = () => {
    seed = (seed * 1_664_525 + 1_013_904_223) >>> 0;
    return seed / 2 ** 32;
  };
  let now = 0;
  const bucket = new TokenBucket(options.quota, undefined, () => now);
  const control = new RateController({ ceiling: options.configured * 0.985, learned: options.learned, now });
  const inFlight: Array<{ at: number; sentAt: number; attempts: number }> = [];
  const retries: Array<{ readyAt: number; attempts: number }> = [];
  let fresh = options.calls;
  let done = 0;
  let nextSlot = 0;
  let maxRate = 0;
  while (done < options.calls) {
    inFlight.sort((a, b) => a.at - b.at);
    while (inFlight.length > 0 && (inFlight[0]?.at ?? Number.POSITIVE_INFINITY) <= now) {
      const call = inFlight.shift() as { at: number; sentAt: number; attempts: number };
      if (bucket.take()) {
        done += 1;
        control.accepted(call.sentAt, now);
      } else {
        control.throttled(call.sentAt, now);
        const backoff = Math.min(5_000, 100 * 2 ** (call.attempts - 1));
        retries.push({ readyAt: now + backoff / 2 + (random() * backoff) / 2, attempts: call.attempts });
      }
    }
    const rate = control.rate(now);
    maxRate = Math.max(maxRate, rate);
    if (now >= nextSlot) {
      retries.sort((a, b) => a.readyAt - b.readyAt);
      const retry = (retries[0]?.readyAt ?? Number.POSITIVE_INFINITY) <= now ? retries.shift() : undefined;
      const attempts = retry ? retry.attempts : fresh > 0 ? 0 : undefined;
      if (attempts !== undefined) {
        if (!retry) fresh -= 1;
        control.onSent();
        inFlight.push({ at: now + 3 + random() * 9, sentAt: now, attempts: attempts + 1 });
        const interval = 1000 / rate;
        nextSlot = Math.max(nextSlot, now - interval) + interval;
      }
    }
    now += 0.1;
  }
  const calls = bucket.admitted + bucket.rejected;
  return {
    throttled: bucket.rejected / calls,
    calls,
    ratio: done / (now / 1000) / options.quota,
    learned: control.learned(),
    maxRate,
  } satisfies Run;
}

describe("rate control, 1,000 calls through a 40/s quota in simulated time", () => {
  const seeds = [1, 2, 3, 4, 5];

  it.each(seeds)(
    "configured at 2.5× the quota: at most 1 %% throttled, at least 0.95 of the quota (seed %i)",
    (seed) => {
      const run = simulate({ quota: 40, configured: 100, calls: 1_000, seed });
      expect(run.throttled).toBeLessThanOrEqual(0.01);
      expect(run.ratio).toBeGreaterThanOrEqual(0.95);
    },
  );

  it.each(seeds)(
    "configured at 10× the quota: at most 3 %% throttled, at least 0.95 of the quota (seed %i)",
    (seed) => {
      const run = simulate({ quota: 40, configured: 400, calls: 1_000, seed });
      expect(run.throttled).toBeLessThanOrEqual(0.03);
      expect(run.ratio).toBeGreaterThanOrEqual(0.95);
    },
  );

  it("configured at the quota: never throttled, learns nothing, holds the configured rate less headroom", () => {
    const run = simulate({ quota: 40, configured: 40, calls: 1_000 });
    expect(run.throttled).toBe(0);
    expect(run.learned).toBeUndefined();
    expect(run.maxRate).toBeCloseTo(40 * 0.985);
    expect(run.ratio).toBeGreaterThanOrEqual(0.97);
  });

  it("learns a rate near the quota, and a continuation that starts from it is throttled at most once", () => {
    const first = simulate({ quota: 40, configured: 400, calls: 500 });
    expect(first.learned).toBeGreaterThan(40 * 0.9);
    expect(first.learned).toBeLessThan(40 * 1.06);
    const next = simulate({ quota: 40, configured: 400, calls: 500, learned: first.learned });
    expect(next.throttled * next.calls).toBeLessThanOrEqual(1);
    expect(next.ratio).toBeGreaterThanOrEqual(0.95);
  });

  it("cuts by 10 % for a transient error, moving no bound, and is back after a clean interval", () => {
    const control = new RateController({ ceiling: 100, learned: 50, now: 0 });
    control.transient(0);
    expect(control.rate(0)).toBe(45);
    for (let t = 0; t < 1_600; t += 20) control.onSent();
    expect(control.rate(1_600)).toBe(50);
  });

  it("starts slowly when nothing is learned, never above the ceiling", () => {
    const control = new RateController({ ceiling: 400, now: 0 });
    expect(control.rate(0)).toBe(100);
    const learned = new RateController({ ceiling: 400, learned: 38, now: 0 });
    expect(learned.rate(0)).toBe(38);
    const above = new RateController({ ceiling: 50, learned: 80, now: 0 });
    expect(above.rate(0)).toBe(50);
  });
});
