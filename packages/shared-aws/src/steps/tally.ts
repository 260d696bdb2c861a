// What a resumable step reports: counts since its first invocation (carried in its cursor) and the items that
// failed for good, each with its reason (items still being retried travel in the cursor: see carry.ts). Step
// Functions caps a state's data at 256 KB, so the result keeps the first failures and counts the rest; every
// failure is also logged in full.
import * as z from "zod/mini";

export const MAX_REPORTED_FAILURES = 50;

const counter = z.number().check(z.int(), z.nonnegative());

export const failureSchema = z.object({
  name: z.string(),
  reason: z.string(),
  error: z.string(),
  retryable: z.boolean(),
});
export type Failure = z.infer<typeof failureSchema>;

export const tallySchema = z.object({
  counts: z.record(z.string(), counter),
  failures: z.array(failureSchema),
  failuresOmitted: counter,
});
export type Tally = z.infer<typeof tallySchema>;

/** Throughput of one invocation, as pace() measured it. */
export interface RunStats {
  elapsedMs: number;
  attempts: number;
  throttles: number;
  /** AWS calls per second achieved, and the rate it aimed at (the configured one, or the quota when lower). */
  achievedRate: number;
  targetRate: number;
}

/** What a step logs through (a Powertools Logger fits). */
export interface Logger {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
}

/** A new tally, with every label the step reports at 0 so that the first result shows them all. */
export function emptyTally(counts: Record<string, number> = {}): Tally {
  return { counts: { ...counts }, failures: [], failuresOmitted: 0 };
}

export function count(tally: Tally, label: string, by = 1): void {
  tally.counts[label] = (tally.counts[label] ?? 0) + by;
}

/** Counts the failure under `label` and keeps it for the report (the first MAX_REPORTED_FAILURES of them). */
export function recordFailure(tally: Tally, failure: Failure, logger: Logger, label = "failed"): void {
  logger.warn("item failed", { failure });
  count(tally, label);
  if (tally.failures.length < MAX_REPORTED_FAILURES) tally.failures.push(failure);
  else tally.failuresOmitted += 1;
}

/** The answer of a resumable step: `cursor` (null once done) is what to invoke it with next. */
export interface StepResult<C> {
  done: boolean;
  cursor: C | null;
  counts: Record<string, number>;
  failures: Failure[];
  failuresOmitted: number;
  run: RunStats;
}

export function stepResult<C>(done: boolean, cursor: C, tally: Tally, run: RunStats): StepResult<C> {
  return { done, cursor: done ? null : cursor, ...tally, run };
}
