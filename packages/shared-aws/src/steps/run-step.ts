// One way to run a paced, resumable step: the work of one invocation, paced (pace()), with the retries and the
// rate learned from throttles carried in its cursor, and its counts and failures in the step result contract.
// A step supplies where its cursor stands (`position`); the cursor it gets back is that position plus the
// shared fields every paced step carries (`stepCursorShape`).
import * as z from "zod/mini";
import { AppError, TransientError } from "../errors";
import { type PaceOptions, type PaceResult, pace } from "../pacing";
import { type Carried, nextRetry, retrySchema } from "./carry";
import { boundedRate, type QuotaLookup, type QuotaRef } from "./quotas";
import { count, type Logger, type StepResult, stepResult, type Tally, tallySchema } from "./tally";

/** How pace() retries an item within one invocation (its own defaults unless set; tests shorten them). */
export type PaceTuning = Pick<PaceOptions<unknown>, "maxAttempts" | "baseBackoffMs" | "maxBackoffMs">;

/** The cursor fields every paced step carries, next to its own position. */
export interface StepCursor<T> {
  /** Items to retry first. */
  retry?: Carried<T>[] | undefined;
  /** The rate throttling taught the last invocation: the next one starts there. */
  rate?: number | undefined;
  tally: Tally;
}

/** The schema of those fields, to spread into a step's cursor schema; `item` is the schema of a carried item. */
export const stepCursorShape = <T extends z.core.$ZodType>(item: T) => ({
  retry: z.optional(retrySchema(item)),
  rate: z.optional(z.number().check(z.positive())),
  tally: tallySchema,
});

/** What a paced step's deps carry besides its clients and rates (a handler passes its own). */
export interface PacedStepDeps {
  /** Calls in flight at once. */
  concurrency: number;
  /** Epoch ms: take no new item after it (the handler's deadline). */
  deadline: number;
  /**
   * Epoch ms: abort the calls still in flight (their items are carried). Default: pace()'s, which lies before
   * the Lambda's end for a deadline from deadlineFrom() with its default margin; pass one with another margin.
   */
  hardDeadline?: number | undefined;
  logger: Logger;
  /** Reads the account's applied quotas (appliedQuotas()); without it the configured rate stands. */
  quotaLookup?: QuotaLookup | undefined;
  /** pace()'s retries within an invocation; its defaults unless set (tests shorten them). */
  tuning?: PaceTuning | undefined;
}

export interface StepRun<T, P> {
  /** The cursor this invocation continues (undefined or null on the first). */
  cursor: StepCursor<T> | null | undefined;
  /** The step's tally: the cursor's, or a new one (the stream may count into it as it reads). */
  tally: Tally;
  /** The rest of the work, from the cursor's position on; pulled only as items are taken. */
  stream: Iterable<T> | AsyncIterable<T>;
  /** The cursor's own fields after `taken` items from the stream (carried ones not included). */
  position: (taken: number) => P;
  /** True when the stream ended before the work did (e.g. it stopped at the deadline while skipping). */
  stoppedEarly?: () => boolean;
  /** What the stream reads, to name it when reading fails. */
  source: string;
  /** Does one item, passing `signal` to its calls: the hard deadline aborts them. */
  worker: (item: T, signal: AbortSignal) => Promise<unknown>;
  /** How an item is named in failures. Default: String(item). */
  describe?: (item: T) => string;
  /** The configured rate, calls per second. */
  rate: number;
  /** The Service Quotas entries that bound it (an item may call several APIs). */
  quotas?: readonly QuotaRef[];
  deps: PacedStepDeps;
}

/**
 * Runs one invocation of a paced step. Carried items go first, then the stream; the result's cursor is the
 * step's position plus the retries and the learned rate. When reading the stream fails before the invocation
 * achieved anything, it throws (sourceFailure); after some progress it returns its cursor, keeping that progress.
 */
export async function runStep<T, P extends object>(
  step: StepRun<T, P>,
): Promise<StepResult<P & StepCursor<T>>> {
  const { tally, deps } = step;
  const { logger } = deps;
  const carried = step.cursor?.retry ?? [];
  const describe = step.describe ?? String;
  const rate = await boundedRate(step.rate, step.quotas ?? [], deps.quotaLookup, logger);
  const startedAt = JSON.stringify(step.position(0));
  async function* work(): AsyncGenerator<Carried<T>> {
    for (const { item, rounds } of carried) yield { item, rounds };
    for await (const item of step.stream) yield { item, rounds: 0 };
  }
  const result: PaceResult<Carried<T>> = await pace(work(), (w, signal) => step.worker(w.item, signal), {
    ...deps.tuning,
    rate,
    learnedRate: step.cursor?.rate,
    concurrency: deps.concurrency,
    deadline: deps.deadline,
    hardDeadline: deps.hardDeadline,
    describe: (w) => describe(w.item),
  });

  const carriedTaken = Math.min(result.consumed, carried.length);
  const taken = result.consumed - carriedTaken;
  const position = step.position(taken);
  if (result.sourceError && result.consumed === 0 && JSON.stringify(position) === startedAt) {
    throw sourceFailure(step.source, result.sourceError);
  }
  if (result.sourceError) logger.warn("reading the step's input failed", { sourceError: result.sourceError });
  for (const [label, n] of Object.entries(result.outcomes)) count(tally, label, n);
  const retry = nextRetry(carried.slice(carriedTaken), result.failed, tally, logger);
  const learned = result.learnedRate;
  const cursor: P & StepCursor<T> = {
    ...position,
    retry,
    ...(learned === undefined ? {} : { rate: learned }),
    tally,
  };
  const done = result.exhausted && !result.sourceError && retry.length === 0 && !step.stoppedEarly?.();
  const run = {
    elapsedMs: result.elapsedMs,
    attempts: result.attempts,
    throttles: result.throttles,
    achievedRate: Math.round(result.achievedRate * 100) / 100,
    targetRate: rate,
  };
  // A read left behind at the hard deadline may still count into the tally: the answer is a snapshot.
  return structuredClone(stepResult(done, cursor, tally, run));
}

/**
 * What to throw when reading a step's input failed before the invocation achieved anything: a TransientError
 * when trying again may help (throttling, a 5xx, the network), so that Step Functions' Retry takes it; else an
 * AppError under the source error's own name, so that the execution fails naming it.
 */
function sourceFailure(what: string, error: { name: string; message: string; retryable: boolean }): AppError {
  const message = `reading ${what} failed: ${error.name}: ${error.message}`;
  if (error.retryable) return new TransientError(message);
  return new AppError(message, { name: error.name === "Error" ? "SourceError" : error.name });
}
