// runStep, the one way to run a paced, resumable step, over an in-memory step: the cursor is the step's
// position plus its retries, learned rate and tally; retries are carried for CARRY_ROUNDS invocations; a step
// that could not read its input before achieving anything fails, naming it; the hard deadline aborts calls.
import { GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { AppError, TransientError } from "../../src";
import {
  CARRY_ROUNDS,
  emptyTally,
  IOT_QUOTAS,
  type Logger,
  MAX_CARRIED,
  runStep,
  type StepCursor,
  serviceQuotaLookup,
  stepCursorShape,
} from "../../src/steps";
import { throttlingError } from "../../src/testing";
import { withGrowingWindow } from "../support/growing-window";

interface Cursor extends StepCursor<number> {
  next: number;
}

const quiet = { info: () => undefined, warn: () => undefined };
const quickGiveUp = { maxAttempts: 2, baseBackoffMs: 1, maxBackoffMs: 2 };

/** A step over the numbers from..to-1; `worker` does one. Its position is the next number never taken. */
function numbers(
  cursor: Cursor | null | undefined,
  worker: (n: number, signal: AbortSignal) => Promise<unknown>,
  options: { to?: number; deadline?: number; stream?: AsyncIterable<number> } = {},
) {
  const from = cursor?.next ?? 0;
  const to = options.to ?? 20;
  return runStep({
    cursor,
    tally: cursor?.tally ?? emptyTally({ done: 0, failed: 0 }),
    stream:
      options.stream ??
      (function* () {
        for (let n = from; n < to; n++) yield n;
      })(),
    position: (taken) => ({ next: from + taken }),
    source: "the numbers",
    worker,
    rate: 5_000,
    deps: {
      concurrency: 4,
      deadline: options.deadline ?? Number.POSITIVE_INFINITY,
      logger: quiet,
      tuning: quickGiveUp,
    },
  });
}

describe("runStep", () => {
  it("returns the step's position after what it took, with the counts of the worker's outcomes", async () => {
    const result = await numbers(null, async () => "done");
    expect(result).toMatchObject({ done: true, cursor: null, counts: { done: 20, failed: 0 }, failures: [] });
    expect(result.run).toMatchObject({ attempts: 20, throttles: 0, targetRate: 5_000 });
  });

  it("carries an item throttled past pace()'s attempts, does it first next time, and continues after it", async () => {
    const calls: number[] = [];
    let throttles = 2; // both attempts of the first invocation
    const worker = async (n: number) => {
      calls.push(n);
      if (n === 7 && throttles-- > 0) throw throttlingError();
      return "done";
    };
    const first = await numbers(null, worker, { to: 10 });
    expect(first).toMatchObject({
      done: false,
      cursor: { next: 10, retry: [{ item: 7, rounds: 1 }] },
      counts: { done: 9 },
    });
    calls.length = 0;
    const second = await numbers(first.cursor, worker, { to: 12 });
    expect(calls).toEqual([7, 10, 11]);
    expect(second).toMatchObject({ done: true, counts: { done: 12, failed: 0 } });
  });

  it(`fails an item for good when it still fails after ${CARRY_ROUNDS} more invocations, with its reason`, async () => {
    const worker = async (n: number) => {
      if (n === 3) throw throttlingError();
      return "done";
    };
    const results = [await numbers(null, worker, { to: 5 })];
    while (!results.at(-1)?.done) results.push(await numbers(results.at(-1)?.cursor, worker, { to: 5 }));
    expect(results.slice(0, -1).map((r) => r.cursor?.retry)).toEqual([
      [{ item: 3, rounds: 1 }],
      [{ item: 3, rounds: 2 }],
      [{ item: 3, rounds: 3 }],
    ]);
    expect(results.at(-1)).toMatchObject({ done: true, counts: { done: 4, failed: 1 } });
    expect(results.at(-1)?.failures).toEqual([
      {
        name: "3",
        reason: `gave up after 2 attempts: Rate exceeded (still failing after being retried in ${CARRY_ROUNDS} more invocations)`,
        error: "ThrottlingException",
        retryable: true,
      },
    ]);
  });

  it("keeps carried items the deadline left untouched, with their rounds, and reads no further", async () => {
    const cursor: Cursor = {
      next: 9,
      retry: [
        { item: 3, rounds: 2 },
        { item: 4, rounds: 1 },
      ],
      tally: emptyTally({ done: 8 }),
    };
    const calls: number[] = [];
    const result = await numbers(cursor, async (n) => calls.push(n), { deadline: 0 });
    expect(calls).toEqual([]);
    expect(result).toMatchObject({ done: false, cursor: { next: 9, retry: cursor.retry } });
  });

  it(`carries at most ${MAX_CARRIED} items: a retryable failure beyond that is final, saying why`, async () => {
    const unavailable = () =>
      Object.assign(new Error("unavailable"), { name: "ServiceUnavailableException" });
    const result = await numbers(null, async () => Promise.reject(unavailable()), { to: MAX_CARRIED + 2 });
    expect(result.cursor?.retry).toHaveLength(MAX_CARRIED);
    expect(result.counts.failed).toBe(2);
    expect(result.failures[0]?.reason).toMatch(
      new RegExp(`\\(not retried: a cursor carries at most ${MAX_CARRIED} items to retry\\)$`),
    );
  });

  describe("when reading its input fails", () => {
    async function* failingAfter(count: number, error: Error) {
      for (let n = 0; n < count; n++) yield n;
      throw error;
    }
    const named = (name: string, message: string) => Object.assign(new Error(message), { name });

    it("fails with the source's own error name when trying again cannot help and nothing was achieved", async () => {
      const denied = numbers(null, async () => "done", {
        stream: failingAfter(0, named("AccessDenied", "Access Denied")),
      });
      await expect(denied).rejects.toBeInstanceOf(AppError);
      await expect(denied).rejects.toMatchObject({ name: "AccessDenied", retryable: false });
      await expect(denied).rejects.toThrow(/^reading the numbers failed: AccessDenied: Access Denied$/);
    });

    it("fails with a TransientError when trying again may help: throttling, a 5xx, a dropped connection", async () => {
      for (const error of [
        named("SlowDown", "Please reduce your request rate."),
        Object.assign(named("InternalError", "internal"), { $metadata: { httpStatusCode: 500 } }),
        named("Error", "read ECONNRESET"),
      ]) {
        await expect(
          numbers(null, async () => "done", { stream: failingAfter(0, error) }),
        ).rejects.toBeInstanceOf(TransientError);
      }
    });

    it("returns its cursor, keeping its progress, when it achieved something first", async () => {
      const result = await numbers(null, async () => "done", {
        stream: failingAfter(3, named("AccessDenied", "Access Denied")),
      });
      expect(result).toMatchObject({ done: false, cursor: { next: 3 }, counts: { done: 3 } });
    });
  });

  it("at the hard deadline aborts the calls in flight and carries their items; the answer is on time", async () => {
    const signals: AbortSignal[] = [];
    const result = await withGrowingWindow(
      [40, 400, 4_000],
      (windowMs) =>
        numbers(
          null,
          (n, signal) => {
            signals.push(signal);
            if (n === 0) return Promise.resolve("done");
            // However slow a call is, the invocation does not wait for it past the hard deadline.
            return new Promise<never>(() => undefined);
          },
          { to: 3, deadline: Date.now() + windowMs },
        ),
      (run) => run.counts.done === 1,
    );
    expect(signals.at(-1)?.aborted).toBe(true);
    expect(result).toMatchObject({ done: false, counts: { done: 1 } });
    expect(result.cursor?.retry).toEqual(
      expect.arrayContaining([
        { item: 1, rounds: 1 },
        { item: 2, rounds: 1 },
      ]),
    );
  });

  it("carries the rate throttling taught it, and a continuation starts from it", async () => {
    // A quota of one call in flight: the second concurrent call is throttled.
    let busy = false;
    const worker = async () => {
      if (busy) throw throttlingError();
      busy = true;
      await new Promise((resolve) => setTimeout(resolve, 5));
      busy = false;
      return "done";
    };
    const first = await withGrowingWindow(
      [300, 3_000],
      (windowMs) => numbers(null, worker, { to: 100_000, deadline: Date.now() + windowMs }),
      (run) => run.run.throttles > 0,
    );
    expect(first.run.throttles).toBeGreaterThan(0);
    expect(first.cursor?.rate).toBeLessThan(5_000 * 0.985);
    const started = Date.now();
    const second = await numbers({ next: 0, rate: 20, tally: emptyTally() }, async () => "done", { to: 6 });
    // 6 calls at the carried 20/s are 50 ms apart, though 5,000/s is configured.
    expect(Date.now() - started).toBeGreaterThanOrEqual(245);
    expect(second.cursor).toBeNull();
  });

  it("its cursor fields validate with the schema steps spread into their own", async () => {
    const { z } = await import("zod/mini");
    const schema = z.strictObject({ next: z.number(), ...stepCursorShape(z.number()) });
    const first = await numbers(null, async (n) => {
      if (n === 2) throw throttlingError();
      return "done";
    });
    expect(schema.parse(first.cursor)).toEqual(first.cursor);
    expect(() => schema.parse({ ...first.cursor, retry: [{ item: 2, rounds: CARRY_ROUNDS + 1 }] })).toThrow();
  });
});

describe("the account's applied quota (request shape only: the emulator has no Service Quotas)", () => {
  const quotas = mockClient(ServiceQuotasClient);
  const client = new ServiceQuotasClient({ region: "us-east-1" });
  const step = (lookup: ReturnType<typeof serviceQuotaLookup>, logger: Logger = quiet) =>
    runStep({
      cursor: null,
      tally: emptyTally(),
      stream: [1, 2],
      position: () => ({}),
      source: "two items",
      worker: async () => "done",
      rate: 300,
      quotas: [IOT_QUOTAS.CreateThing, IOT_QUOTAS.DescribeThing],
      deps: { concurrency: 2, deadline: Number.POSITIVE_INFINITY, logger, quotaLookup: lookup },
    });

  it("asks GetServiceQuota for each quota once, and paces at the lowest applied value below the configured rate", async () => {
    quotas.reset();
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: "iotcore", QuotaCode: "L-64CBACAC" })
      .resolves({ Quota: { ServiceCode: "iotcore", QuotaCode: "L-64CBACAC", Value: 40 } });
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: "iotcore", QuotaCode: "L-0EF0F5EE" })
      .resolves({ Quota: { ServiceCode: "iotcore", QuotaCode: "L-0EF0F5EE", Value: 350 } });
    const lookup = serviceQuotaLookup(client);
    const first = await step(lookup);
    await step(lookup);
    expect(first.run.targetRate).toBe(40);
    expect(quotas.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input)).toEqual([
      { ServiceCode: "iotcore", QuotaCode: "L-64CBACAC" },
      { ServiceCode: "iotcore", QuotaCode: "L-0EF0F5EE" },
    ]);
  });

  it("keeps the configured rate, logging why, when a quota has no applied value or may not be read", async () => {
    quotas.reset();
    quotas
      .on(GetServiceQuotaCommand, { QuotaCode: "L-64CBACAC" })
      .rejects(Object.assign(new Error("no applied value"), { name: "NoSuchResourceException" }));
    quotas
      .on(GetServiceQuotaCommand, { QuotaCode: "L-0EF0F5EE" })
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    const logged: Array<Record<string, unknown>> = [];
    const logger = {
      info: (_: string, extra?: Record<string, unknown>) => logged.push(extra ?? {}),
      warn: () => {},
    };
    const result = await step(serviceQuotaLookup(client), logger);
    expect(result.run.targetRate).toBe(300);
    expect(logged).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          quota: "iotcore/L-64CBACAC (CreateThing API TPS)",
          reason: "GetServiceQuota failed: NoSuchResourceException: no applied value",
          configuredRate: 300,
        }),
        expect.objectContaining({
          quota: "iotcore/L-0EF0F5EE (DescribeThing API TPS)",
          reason: "GetServiceQuota failed: AccessDeniedException: not authorized",
        }),
      ]),
    );
  });
});
