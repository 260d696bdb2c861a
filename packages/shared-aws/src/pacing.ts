// Runs a stream of work items at a target rate with bounded concurrency. Throttles and transient errors are
// retried with backoff and slow the rate down (multiplicative decrease), which then recovers towards the
// target (additive increase). It stops taking items at the deadline and reports exactly what it consumed, so a
// caller can resume after the last consumed item, carrying `retry` (items taken but not yet done) with it.
// No item is lost, none is done twice within a run.
import { classifyError, type ErrorKind, errorMessage, errorName } from "./errors";

export interface PaceOptions<T> {
  /** Target operations per second (the API's quota). */
  rate: number;
  /** Calls in flight at once. */
  concurrency: number;
  /** Epoch ms: take no new item from the stream after this moment. */
  deadline?: number;
  /** Epoch ms: stop retrying items already taken; they are reported failed (retryable). Default deadline + 10 s. */
  hardDeadline?: number;
  /** Attempts per item before it is reported failed. Default 8. */
  maxAttempts?: number;
  /** Fraction below the target to aim at, so clock jitter never pushes a window over the quota. Default 0.015. */
  headroom?: number;
  /** First retry delay; doubles each attempt, with jitter, up to maxBackoffMs. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  classify?: (error: unknown) => ErrorKind;
  /** How an item is named in the failure report. Default: String(item). */
  describe?: (item: T) => string;
  /** Called after each settled item, e.g. for progress output. */
  onProgress?: (progress: PaceProgress) => void;
}

export interface PaceProgress {
  consumed: number;
  settled: number;
  currentRate: number;
}

export interface FailedItem<T> {
  item: T;
  id: string;
  reason: string;
  errorName: string;
  retryable: boolean;
  attempts: number;
}

export interface PaceResult<T> {
  /** The stream was read to its end, every item succeeded or failed for good, and nothing is left to retry. */
  done: boolean;
  /** The stream was read to its end. */
  exhausted: boolean;
  /**
   * Items taken from the stream but not done for a reason that may pass (throttled past maxAttempts, or still
   * waiting at the hard deadline): also in `failed`, with `retryable: true`. Carry them into the next run.
   */
  retry: T[];
  /** Reading the stream itself failed; every item taken before that settled, and `lastConsumed` still holds. */
  sourceError?: { name: string; message: string };
  /** Items taken from the stream; every one of them succeeded or is in `failed`. */
  consumed: number;
  /** The last item taken from the stream: resume after it. */
  lastConsumed: T | undefined;
  succeeded: number;
  /** Count per outcome label returned by the worker (e.g. created / existed). */
  outcomes: Record<string, number>;
  failed: FailedItem<T>[];
  attempts: number;
  throttles: number;
  transientErrors: number;
  elapsedMs: number;
  /** Calls per second over the run (attempts ÷ elapsed). */
  achievedRate: number;
  /** Settled items per second. */
  itemRate: number;
  /** The rate the controller ended at. */
  finalRate: number;
}

interface Job<T> {
  item: T;
  attempts: number;
  readyAt: number;
  lastError?: unknown;
}

const DEFAULTS = {
  maxAttempts: 8,
  headroom: 0.015,
  baseBackoffMs: 100,
  maxBackoffMs: 5_000,
  hardDeadlineGraceMs: 10_000,
};
// Rate control: cut by this factor on a throttle (at most once per recovery window), then grow by RECOVERY per
// success, which brings the rate back by ~20 % in about two seconds whatever the target.
const DECREASE = { throttle: 0.8, transient: 0.9 } as const;
const RECOVERY_PER_SUCCESS = 0.1;
const MIN_RATE_FRACTION = 0.05;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function pace<T>(
  source: Iterable<T> | AsyncIterable<T>,
  /** Does one item; a string it returns is counted in `outcomes`. */
  worker: (item: T) => Promise<unknown>,
  options: PaceOptions<T>,
): Promise<PaceResult<T>> {
  if (!(options.rate > 0) || !Number.isFinite(options.rate))
    throw new RangeError(`rate must be > 0, got ${options.rate}`);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${options.concurrency}`);
  }
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const classify = options.classify ?? classifyError;
  const describe = options.describe ?? ((item: T) => String(item));
  const ceiling = options.rate * (1 - (options.headroom ?? DEFAULTS.headroom));
  const floor = ceiling * MIN_RATE_FRACTION;
  const baseBackoff = options.baseBackoffMs ?? DEFAULTS.baseBackoffMs;
  const maxBackoff = options.maxBackoffMs ?? DEFAULTS.maxBackoffMs;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const hardDeadline = options.hardDeadline ?? deadline + DEFAULTS.hardDeadlineGraceMs;

  const iterator =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();

  const result: PaceResult<T> = {
    done: false,
    exhausted: false,
    retry: [],
    consumed: 0,
    lastConsumed: undefined,
    succeeded: 0,
    outcomes: {},
    failed: [],
    attempts: 0,
    throttles: 0,
    transientErrors: 0,
    elapsedMs: 0,
    achievedRate: 0,
    itemRate: 0,
    finalRate: ceiling,
  };

  let rate = ceiling;
  let lastDecrease = Number.NEGATIVE_INFINITY;
  let nextSlot = Date.now();
  let exhausted = false;
  let inFlight = 0;
  let settled = 0;
  const retries: Job<T>[] = [];
  let wake: (() => void) | undefined;
  const settledSignal = () => new Promise<void>((resolve) => (wake = resolve));

  const fail = (job: Job<T>, reason: string, retryable: boolean) => {
    result.failed.push({
      item: job.item,
      id: describe(job.item),
      reason,
      errorName: job.lastError === undefined ? "DeadlineExceeded" : errorName(job.lastError),
      retryable,
      attempts: job.attempts,
    });
  };

  const settle = () => {
    settled += 1;
    inFlight -= 1;
    options.onProgress?.({ consumed: result.consumed, settled, currentRate: rate });
    wake?.();
  };

  const run = async (job: Job<T>) => {
    job.attempts += 1;
    result.attempts += 1;
    try {
      const outcome = await worker(job.item);
      result.succeeded += 1;
      if (typeof outcome === "string") result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
      rate = Math.min(ceiling, rate + RECOVERY_PER_SUCCESS);
      settle();
    } catch (error) {
      job.lastError = error;
      const kind = classify(error);
      if (kind === "fatal") {
        fail(job, errorMessage(error), false);
        settle();
        return;
      }
      if (kind === "throttle") result.throttles += 1;
      else result.transientErrors += 1;
      const now = Date.now();
      // One burst of throttles is one signal: cut once per interval it takes the cut to show.
      if (now - lastDecrease > Math.max(250, 2000 / rate)) {
        rate = Math.max(floor, rate * DECREASE[kind]);
        lastDecrease = now;
      }
      if (job.attempts >= maxAttempts) {
        fail(job, `gave up after ${job.attempts} attempts: ${errorMessage(error)}`, true);
        settle();
        return;
      }
      const backoff = Math.min(maxBackoff, baseBackoff * 2 ** (job.attempts - 1));
      job.readyAt = now + backoff / 2 + Math.random() * (backoff / 2);
      retries.push(job);
      inFlight -= 1;
      wake?.();
    }
  };

  const started = Date.now();
  for (;;) {
    if (inFlight >= options.concurrency) {
      await settledSignal();
      continue;
    }
    const now = Date.now();
    let job = takeDueRetry(retries, now);
    if (!job && !exhausted && !result.sourceError && now < deadline) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        // Keep what this run achieved: stop taking items, let those in flight settle, and report the error.
        result.sourceError = { name: errorName(error), message: errorMessage(error) };
        continue;
      }
      if (next.done) {
        exhausted = true;
        continue;
      }
      result.consumed += 1;
      result.lastConsumed = next.value;
      job = { item: next.value, attempts: 0, readyAt: 0 };
    }
    if (!job) {
      if (retries.length === 0 && inFlight === 0) break;
      if (now >= hardDeadline) {
        for (const pending of retries.splice(0))
          fail(pending, "deadline reached before this item could be retried", true);
        if (inFlight === 0) break;
        await settledSignal();
        continue;
      }
      if (retries.length === 0) {
        await settledSignal();
        continue;
      }
      const earliest = retries.reduce((min, r) => Math.min(min, r.readyAt), Number.POSITIVE_INFINITY);
      const waitMs = Math.min(earliest, hardDeadline) - now;
      await (inFlight > 0 ? Promise.race([settledSignal(), sleep(waitMs)]) : sleep(waitMs));
      continue;
    }
    const interval = 1000 / rate;
    const wait = nextSlot - Date.now();
    if (wait > 0) await sleep(wait);
    // Late timers may catch up by at most one interval: never a burst above the rate.
    nextSlot = Math.max(nextSlot, Date.now() - interval) + interval;
    inFlight += 1;
    void run(job);
  }

  if (!exhausted && !result.sourceError) await iterator.return?.();
  result.exhausted = exhausted;
  result.retry = result.failed.filter((failure) => failure.retryable).map((failure) => failure.item);
  result.done = exhausted && result.retry.length === 0 && !result.sourceError;
  result.elapsedMs = Date.now() - started;
  const seconds = Math.max(result.elapsedMs, 1) / 1000;
  result.achievedRate = result.attempts / seconds;
  result.itemRate = settled / seconds;
  result.finalRate = rate;
  return result;
}

function takeDueRetry<T>(retries: Job<T>[], now: number): Job<T> | undefined {
  let best = -1;
  for (let i = 0; i < retries.length; i++) {
    const job = retries[i] as Job<T>;
    if (job.readyAt <= now && (best < 0 || job.readyAt < (retries[best] as Job<T>).readyAt)) best = i;
  }
  return best < 0 ? undefined : retries.splice(best, 1)[0];
}
