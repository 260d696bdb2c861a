// One paced run of a resumable step, with its retries carried between invocations. pace() reports the items
// it took but could not finish for a reason that may pass (throttled past its attempts, or still waiting at
// the hard deadline) in `retry`; they travel in the step's cursor and are done first by the next invocation,
// before the stream continues after the last item it gave. An item is a final failure only when it still
// fails after CARRY_ROUNDS more invocations, so a step is `done` only when nothing is left to retry.
//
// Step Functions caps a state's data at 256 KB, so a cursor carries at most MAX_CARRIED items (a thing name is
// at most 128 characters: ~75 KB at worst). A retryable failure beyond that is a final failure at once, with
// its reason and a note saying why it was not carried; for the exclude-group fill that fails the execution
// (no job without every exclusion), for the other steps it is reported like any failure.
import {
  AppError,
  classifyError,
  type PaceOptions,
  type PaceResult,
  pace,
  TransientError,
} from "@fleet/shared-aws";
import { z } from "zod";
import { count, type Logger, type RunStats, recordFailure, type Tally } from "./tally";

/** Invocations a retryable failure is carried into before it counts as a final failure. */
export const CARRY_ROUNDS = 3;
/** Items a cursor carries at most. */
export const MAX_CARRIED = 500;

/** How pace() retries an item within one invocation (its own defaults unless set; tests shorten them). */
export type PaceTuning = Pick<PaceOptions<unknown>, "maxAttempts" | "baseBackoffMs" | "maxBackoffMs">;

/** An item to retry and how many invocations it has failed in so far. */
export interface Carried<K> {
  item: K;
  rounds: number;
}

/** The cursor field: what the next invocation retries first. */
export const retrySchema = <K extends z.ZodType>(item: K) =>
  z.array(z.strictObject({ item, rounds: z.number().int().min(1).max(CARRY_ROUNDS) })).max(MAX_CARRIED);

/** An item as pace() sees it here: stream items have rounds 0, carried ones the rounds they failed in. */
export interface Work<T> {
  item: T;
  rounds: number;
}

export interface CarriedPaceOptions<T, K> {
  /** From the cursor: done first. */
  carried: readonly Carried<K>[] | undefined;
  /** The rest of the work, from the cursor's position on. */
  stream: Iterable<T> | AsyncIterable<T>;
  /** What the cursor carries for an item (a name, an index), and the item it stands for. */
  keyOf: (item: T) => K;
  itemOf: (key: K) => T;
  worker: (item: T) => Promise<unknown>;
  pace: Omit<PaceOptions<T>, "describe" | "onProgress"> & { describe: (item: T) => string };
  tally: Tally;
  logger: Logger;
}

export interface CarriedPaceRun<K> {
  /** For the next invocation: carried items this one did not reach, then its own retryable failures. */
  retry: Carried<K>[];
  /** Items taken from the stream (carried ones not included): the stream's position moved by this many. */
  streamConsumed: number;
  /** Items taken in all, carried ones included. */
  consumed: number;
  /** The stream was read to its end, reading it never failed, and nothing is left to retry. */
  done: boolean;
  /** Reading the stream failed (pace() stopped taking items and let those in flight settle). */
  sourceError: { name: string; message: string } | undefined;
  run: RunStats;
}

export async function paceCarried<T, K>(options: CarriedPaceOptions<T, K>): Promise<CarriedPaceRun<K>> {
  const carried = options.carried ?? [];
  async function* source(): AsyncGenerator<Work<T>> {
    for (const { item, rounds } of carried) yield { item: options.itemOf(item), rounds };
    for await (const item of options.stream) yield { item, rounds: 0 };
  }
  const { describe, ...paceOptions } = options.pace;
  const result: PaceResult<Work<T>> = await pace(source(), (work) => options.worker(work.item), {
    ...paceOptions,
    describe: (work) => describe(work.item),
  });

  const { tally, logger } = options;
  for (const [label, n] of Object.entries(result.outcomes)) count(tally, label, n);
  const carriedTaken = Math.min(result.consumed, carried.length);
  const retry: Carried<K>[] = carried.slice(carriedTaken).map((c) => ({ ...c }));
  for (const failed of result.failed) {
    const failure = {
      name: failed.id,
      reason: failed.reason,
      error: failed.errorName,
      retryable: failed.retryable,
    };
    const { rounds } = failed.item;
    if (!failed.retryable) {
      recordFailure(tally, failure, logger);
    } else if (rounds >= CARRY_ROUNDS) {
      const reason = `${failed.reason} (still failing after being retried in ${rounds} more invocations)`;
      recordFailure(tally, { ...failure, reason }, logger);
    } else if (retry.length >= MAX_CARRIED) {
      const reason = `${failed.reason} (not retried: a cursor carries at most ${MAX_CARRIED} items to retry)`;
      recordFailure(tally, { ...failure, reason }, logger);
    } else {
      retry.push({ item: options.keyOf(failed.item.item), rounds: rounds + 1 });
    }
  }
  if (retry.length > 0) logger.info("items carried into the next invocation", { retry: retry.length });
  if (result.sourceError) logger.warn("reading the step's input failed", { sourceError: result.sourceError });

  return {
    retry,
    streamConsumed: result.consumed - carriedTaken,
    consumed: result.consumed,
    done: result.exhausted && !result.sourceError && retry.length === 0,
    sourceError: result.sourceError,
    run: {
      elapsedMs: result.elapsedMs,
      attempts: result.attempts,
      throttles: result.throttles,
      achievedRate: Math.round(result.achievedRate * 100) / 100,
      targetRate: options.pace.rate,
    },
  };
}

// Network failures surface as plain errors whose message names the system call.
const NETWORK = /\b(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|socket hang up)\b/;

/**
 * What to throw when reading a step's input failed before the invocation achieved anything: a TransientError
 * when trying again may help (throttling, a 5xx, the network), so that Step Functions' Retry takes it; else an
 * AppError under the source error's own name, so that the execution fails naming it. (After some progress a
 * step returns its cursor instead, keeping that progress.)
 */
export function sourceFailure(what: string, error: { name: string; message: string }): AppError {
  const message = `reading ${what} failed: ${error.name}: ${error.message}`;
  const shaped = Object.assign(new Error(error.message), { name: error.name });
  if (classifyError(shaped) !== "fatal" || NETWORK.test(error.message)) return new TransientError(message);
  return new AppError(message, { name: error.name === "Error" ? "SourceError" : error.name });
}
