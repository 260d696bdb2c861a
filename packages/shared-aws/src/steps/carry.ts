// Retries carried between invocations. pace() reports the items it took but could not finish for a reason that
// may pass (throttled past its attempts, waiting for a retry or in flight at the hard deadline); they travel in
// the step's cursor and are done first by the next invocation, before the stream continues after the last item
// it gave. An item is a final failure only when it still fails after CARRY_ROUNDS more invocations, so a step is
// `done` only when nothing is left to retry.
//
// Step Functions caps a state's data at 256 KB, so a cursor carries at most MAX_CARRIED items (a thing name is
// at most 128 characters: ~75 KB at worst). A retryable failure beyond that is a final failure at once, with
// its reason and a note saying why it was not carried.
import * as z from "zod/mini";
import type { FailedItem } from "../pacing";
import { type Failure, type Logger, recordFailure, type Tally } from "./tally";

/** Invocations a retryable failure is carried into before it counts as a final failure. */
export const CARRY_ROUNDS = 3;
/** Items a cursor carries at most. */
export const MAX_CARRIED = 500;

/** An item and the invocations it has failed in so far (0 for an item new from the stream). */
export interface Carried<T> {
  item: T;
  rounds: number;
}

/** The cursor field: what the next invocation retries first. */
export const retrySchema = <T extends z.core.$ZodType>(item: T) =>
  z
    .array(z.strictObject({ item, rounds: z.number().check(z.int(), z.minimum(1), z.maximum(CARRY_ROUNDS)) }))
    .check(z.maxLength(MAX_CARRIED));

/**
 * What the next invocation retries: the carried items this one did not reach, then this one's retryable
 * failures. Final failures (not retryable, carried too often, or beyond MAX_CARRIED) go to the tally.
 */
export function nextRetry<T>(
  untouched: readonly Carried<T>[],
  failed: readonly FailedItem<Carried<T>>[],
  tally: Tally,
  logger: Logger,
): Carried<T>[] {
  const retry = untouched.map((carried) => ({ ...carried }));
  for (const { item: work, id, reason, errorName, retryable } of failed) {
    const failure: Failure = { name: id, reason, error: errorName, retryable };
    if (!retryable) {
      recordFailure(tally, failure, logger);
    } else if (work.rounds >= CARRY_ROUNDS) {
      const note = `still failing after being retried in ${work.rounds} more invocations`;
      recordFailure(tally, { ...failure, reason: `${reason} (${note})` }, logger);
    } else if (retry.length >= MAX_CARRIED) {
      const note = `not retried: a cursor carries at most ${MAX_CARRIED} items to retry`;
      recordFailure(tally, { ...failure, reason: `${reason} (${note})` }, logger);
    } else {
      retry.push({ item: work.item, rounds: work.rounds + 1 });
    }
  }
  if (retry.length > 0) logger.info("items carried into the next invocation", { retry: retry.length });
  return retry;
}
