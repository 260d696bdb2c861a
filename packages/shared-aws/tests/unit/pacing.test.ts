import { describe, expect, it } from "@jest/globals";
import { deadlineFrom, pace } from "../../src";
import { TokenBucket, throttlingError } from "../../src/testing";
import { withGrowingWindow } from "../support/growing-window";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fake API: throttles above its quota, records every item it completed. */
function fakeService(rate: number, burst?: number) {
  const bucket = new TokenBucket(rate, burst);
  const done = new Map<number, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const call = async (item: number) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await delay(2);
      if (!bucket.take()) throw throttlingError();
      done.set(item, (done.get(item) ?? 0) + 1);
      return "created";
    } finally {
      inFlight -= 1;
    }
  };
  return { bucket, done, call, maxInFlight: () => maxInFlight };
}

describe("pace", () => {
  it("does every item exactly once at about the target rate, within the concurrency bound", async () => {
    const service = fakeService(200);
    const result = await pace(range(100), service.call, { rate: 200, concurrency: 4 });
    expect(result.done).toBe(true);
    expect(result.consumed).toBe(100);
    expect(result.succeeded).toBe(100);
    expect(result.outcomes).toEqual({ created: 100 });
    expect(result.failed).toEqual([]);
    expect([...service.done.values()].every((n) => n === 1)).toBe(true);
    expect(service.done.size).toBe(100);
    expect(service.maxInFlight()).toBeLessThanOrEqual(4);
    // 100 calls at ≤ 200/s take at least ~0.45 s (no burst above the rate).
    expect(result.elapsedMs).toBeGreaterThanOrEqual(440);
    expect(result.achievedRate).toBeLessThanOrEqual(200);
  });

  it("retries throttled items, slows down, and loses or repeats none", async () => {
    // Quota far below the requested rate: most first attempts are throttled.
    const service = fakeService(100, 2);
    const result = await pace(range(60), service.call, {
      rate: 400,
      concurrency: 8,
      maxAttempts: 20,
      baseBackoffMs: 20,
    });
    expect(result.throttles).toBeGreaterThan(0);
    expect(result.attempts).toBe(60 + result.throttles);
    expect(result.failed).toEqual([]);
    expect(service.done.size).toBe(60);
    expect([...service.done.values()].every((n) => n === 1)).toBe(true);
    expect(result.finalRate).toBeLessThan(400);
  });

  it("retries transient 5xx errors", async () => {
    let failures = 0;
    const result = await pace(
      range(10),
      async (item) => {
        if (item % 3 === 0 && failures < 4) {
          failures += 1;
          throw Object.assign(new Error("unavailable"), {
            name: "ServiceUnavailableException",
            $metadata: { httpStatusCode: 503 },
          });
        }
      },
      { rate: 500, concurrency: 2, baseBackoffMs: 5 },
    );
    expect(result.transientErrors).toBe(4);
    expect(result.succeeded).toBe(10);
    expect(result.failed).toEqual([]);
  });

  it("reports a fatal error per item with its reason, without retrying it", async () => {
    const result = await pace(
      ["a", "bad", "c"],
      async (item) => {
        if (item === "bad")
          throw Object.assign(new Error("thing name is invalid"), { name: "InvalidRequestException" });
      },
      { rate: 500, concurrency: 2 },
    );
    expect(result.succeeded).toBe(2);
    expect(result.failed).toEqual([
      {
        item: "bad",
        id: "bad",
        reason: "thing name is invalid",
        errorName: "InvalidRequestException",
        retryable: false,
        attempts: 1,
      },
    ]);
  });

  it("gives up on an item after maxAttempts and says so", async () => {
    const result = await pace([1], async () => Promise.reject(throttlingError()), {
      rate: 500,
      concurrency: 1,
      maxAttempts: 3,
      baseBackoffMs: 1,
    });
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({
      retryable: true,
      attempts: 3,
      errorName: "ThrottlingException",
    });
    expect(result.failed[0]?.reason).toMatch(/^gave up after 3 attempts: Rate exceeded/);
    // Not done: the item is handed back to be carried into the next run.
    expect(result).toMatchObject({ exhausted: true, done: false, retry: [1] });
  });

  it("is done only when no item is left to retry; a fatal failure is final", async () => {
    const result = await pace(
      [1, 2],
      async (item) => {
        if (item === 2) throw Object.assign(new Error("bad"), { name: "InvalidRequestException" });
      },
      { rate: 500, concurrency: 1 },
    );
    expect(result).toMatchObject({ exhausted: true, done: true, retry: [] });
    expect(result.failed).toHaveLength(1);
  });

  it("keeps the run's progress when reading the stream fails, and reports the error", async () => {
    const done: number[] = [];
    async function* failing() {
      for (let i = 0; i < 5; i++) yield i;
      throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    }
    const result = await pace(
      failing(),
      async (item) => {
        await delay(5);
        done.push(item);
      },
      { rate: 500, concurrency: 3 },
    );
    expect(result.sourceError).toEqual({ name: "TimeoutError", message: "socket hang up", retryable: true });
    expect(result).toMatchObject({
      done: false,
      exhausted: false,
      consumed: 5,
      lastConsumed: 4,
      succeeded: 5,
    });
    expect(done.sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("stops at the deadline with a cursor, and resuming after it finishes exactly the rest", async () => {
    const items = range(200);
    const service = fakeService(1000);
    // At 100/s the longest window still leaves items for the resumed run.
    const first = await withGrowingWindow(
      [300, 1_000],
      (windowMs) => pace(items, service.call, { rate: 100, concurrency: 4, deadline: Date.now() + windowMs }),
      (run) => run.consumed > 0,
    );
    expect(first.done).toBe(false);
    expect(first.consumed).toBeGreaterThan(0);
    expect(first.consumed).toBeLessThan(200);
    expect(first.lastConsumed).toBe(first.consumed - 1);
    expect(first.succeeded + first.failed.length).toBe(first.consumed);

    const rest = items.slice((first.lastConsumed as number) + 1);
    const second = await pace(rest, service.call, { rate: 1000, concurrency: 4 });
    expect(second.done).toBe(true);
    expect(first.consumed + second.consumed).toBe(200);
    expect(service.done.size).toBe(200);
    expect([...service.done.values()].every((n) => n === 1)).toBe(true);
  });

  it("pulls lazily from an async stream and stops pulling at the deadline", async () => {
    let pulled = 0;
    async function* stream() {
      for (let i = 0; i < 1000; i++) {
        pulled += 1;
        yield i;
      }
    }
    const result = await pace(stream(), async () => undefined, {
      rate: 50,
      concurrency: 2,
      deadline: Date.now() + 200,
    });
    expect(result.done).toBe(false);
    expect(pulled).toBe(result.consumed);
    expect(result.consumed).toBeLessThan(30);
  });

  it("fails items still waiting for a retry at the hard deadline, as retryable", async () => {
    const result = await pace([1, 2], async () => Promise.reject(throttlingError()), {
      rate: 500,
      concurrency: 2,
      maxAttempts: 100,
      baseBackoffMs: 50,
      deadline: Date.now(),
      hardDeadline: Date.now() + 150,
    });
    expect(result.consumed).toBe(0);
    // Items must be taken before the deadline (on an idle machine within the first window).
    const takenWithin = (windowMs: number) =>
      pace([1, 2], async () => Promise.reject(throttlingError()), {
        rate: 500,
        concurrency: 2,
        maxAttempts: 100,
        baseBackoffMs: 50,
        deadline: Date.now() + windowMs,
        hardDeadline: Date.now() + windowMs + 150,
      });
    const second = await withGrowingWindow([5, 50, 500, 5_000], takenWithin, (run) => run.consumed > 0);
    expect(second.consumed).toBeGreaterThan(0);
    expect(second.failed).toHaveLength(second.consumed);
    expect(second.failed.every((f) => f.retryable && f.reason.includes("deadline"))).toBe(true);
    expect(second.retry).toEqual(second.failed.map((f) => f.item));
    expect(second.done).toBe(false);
  });

  it("at the hard deadline aborts the calls in flight and returns at once, their items to retry", async () => {
    const signals: AbortSignal[] = [];
    const result = await pace(
      ["honours", "ignores"],
      (item, signal) => {
        signals.push(signal);
        // One call rejects when aborted (as the SDK does); the other never settles.
        if (item === "ignores") return new Promise<never>(() => undefined);
        return new Promise<never>((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason)),
        );
      },
      { rate: 500, concurrency: 2, deadline: Date.now() + 20, hardDeadline: Date.now() + 60 },
    );
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    expect(result).toMatchObject({ done: false, aborted: 2, succeeded: 0 });
    expect(result.retry.sort()).toEqual(["honours", "ignores"]);
    expect(result.failed.map((f) => [f.id, f.retryable, f.reason])).toEqual(
      expect.arrayContaining([
        ["honours", true, "the step's hard deadline came while its call was in flight (aborted)"],
        ["ignores", true, "the step's hard deadline came while its call was in flight (aborted)"],
      ]),
    );
  });

  it("leaves a read of the stream behind at the hard deadline rather than wait for it", async () => {
    async function* stalled() {
      yield 1;
      await new Promise(() => undefined);
    }
    const result = await pace(stalled(), async () => "done", {
      rate: 500,
      concurrency: 1,
      deadline: Date.now() + 20,
      hardDeadline: Date.now() + 60,
    });
    expect(result).toMatchObject({ done: false, exhausted: false, consumed: 1, succeeded: 1, retry: [] });
  });

  it("puts the hard deadline before the end of a Lambda whose deadline deadlineFrom() set", async () => {
    // 2 s left: the deadline is 1 s away, the hard deadline half a second after it, before the Lambda's end.
    const started = Date.now();
    const deadline = deadlineFrom({ getRemainingTimeInMillis: () => 2_000 });
    let signal: AbortSignal | undefined;
    await pace(
      [1],
      (_, s) => {
        signal = s;
        return new Promise<never>(() => undefined);
      },
      { rate: 500, concurrency: 1, deadline },
    );
    expect(signal?.aborted).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  });

  it("starts from a learned rate instead of the configured one", async () => {
    // 6 calls at a learned 20/s are spaced 50 ms apart: at least 250 ms, though 10,000/s is configured.
    const result = await pace(range(6), async () => "ok", { rate: 10_000, learnedRate: 20, concurrency: 4 });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(245);
    expect(result.learnedRate).toBe(20);
  });

  it("refuses a nonsensical rate or concurrency", async () => {
    await expect(pace([1], async () => undefined, { rate: 0, concurrency: 1 })).rejects.toThrow(
      "rate must be > 0",
    );
    await expect(pace([1], async () => undefined, { rate: 1, concurrency: 0 })).rejects.toThrow(
      "concurrency must be",
    );
  });
});
