// Runs a stream of work items at a target rate with bounded concurrency. Throttles are retried with backoff
// and steer the rate towards the quota the API really allows (rate-control.ts), transient errors are retried
// and slow it a little. It stops taking items at the deadline and reports exactly what it consumed, so a caller
// can resume after the last consumed item, carrying `retry` (items taken but not yet done) with it. At the hard
// deadline it aborts the calls still in flight and returns at once, their items in `retry`: however slow one
// call is, a run ends on time. No item is lost, none is done twice within a run.
import { classifyError, type ErrorKind, errorMessage, errorName } from "./errors";
import { RateController } from "./rate-control";

export interface PaceOptions<T> {
  /** Target operations per second (the API's quota). */
  rate: number;
  /** A rate an earlier run learned (PaceResult.learnedRate): start there instead of at `rate`. */
  learnedRate?: number | undefined;
  /** Calls in flight at once. */
  concurrency: number;
  /** Epoch ms: take no new item from the stream after this moment. */
  deadline?: number;
  /**
   * Epoch ms: abort the calls still in flight and stop; their items, and those waiting for a retry, are
   * reported failed (retryable). Default: deadline + min(10 s, half the time from now to the deadline), which
   * lies before the end of a Lambda whose deadline came from deadlineFrom() with its default margin.
   */
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
   * Items taken from the stream but not done for a reason that may pass (throttled past maxAttempts, waiting
   * for a retry or in flight at the hard deadline): also in `failed`, with `retryable: true`. Carry them into
   * the next run.
   */
  retry: T[];
  /**
   * Reading the stream itself failed; every item taken before that settled, and `lastConsumed` still holds.
   * `retryable`: the error is one that may pass (by `classify`).
   */
  sourceError?: { name: string; message: string; retryable: boolean };
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
  /** Calls aborted at the hard deadline (their items are in `retry`). */
  aborted: number;
  elapsedMs: number;
  /** Calls per second over the run (attempts ÷ elapsed). */
  achievedRate: number;
  /** Settled items per second. */
  itemRate: number;
  /** The rate the controller ended at. */
  finalRate: number;
  /** The rate throttling taught this run, for the next one to start at (undefined: it was never throttled). */
  learnedRate: number | undefined;
}

interface Job<T> {
  item: T;
  attempts: number;
  readyAt: number;
  lastError?: unknown;
  /** Reported already (at the hard deadline): a late answer changes nothing. */
  closed?: boolean;
}

const DEFAULTS = {
  maxAttempts: 8,
  headroom: 0.015,
  baseBackoffMs: 100,
  maxBackoffMs: 5_000,
  hardDeadlineGraceMs: 10_000,
};

export async function pace<T>(
  source: Iterable<T> | AsyncIterable<T>,
  /**
   * Does one item, passing `signal` to its calls (`client.send(command, { abortSignal: signal })`). A string it
   * returns is counted in `outcomes`.
   */
  worker: (item: T, signal: AbortSignal) => Promise<unknown>,
  options: PaceOptions<T>,
): Promise<PaceResult<T>> {
  if (!(options.rate > 0) || !Number.isFinite(options.rate))
    throw new RangeError(`rate must be > 0, got ${options.rate}`);
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`concurrency must be an integer >= 1, got ${options.concurrency}`);
  }
  const started = Date.now();
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const classify = options.classify ?? classifyError;
  const describe = options.describe ?? ((item: T) => String(item));
  const ceiling = options.rate * (1 - (options.headroom ?? DEFAULTS.headroom));
  const control = new RateController({ ceiling, learned: options.learnedRate, now: started });
  const baseBackoff = options.baseBackoffMs ?? DEFAULTS.baseBackoffMs;
  const maxBackoff = options.maxBackoffMs ?? DEFAULTS.maxBackoffMs;
  const deadline = options.deadline ?? Number.POSITIVE_INFINITY;
  const hardDeadline =
    options.hardDeadline ??
    deadline + Math.min(DEFAULTS.hardDeadlineGraceMs, Math.max(0, deadline - started) / 2);

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
    aborted: 0,
    elapsedMs: 0,
    achievedRate: 0,
    itemRate: 0,
    finalRate: ceiling,
    learnedRate: undefined,
  };

  let exhausted = false;
  let settled = 0;
  const inFlight = new Set<Job<T>>();
  const retries: Job<T>[] = [];

  // Every wait in the loop below ends early when something settles or the hard deadline comes.
  let wake: (() => void) | undefined;
  const pause = (ms = Number.POSITIVE_INFINITY) =>
    new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(resolve, Math.max(0, ms)) : undefined;
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const abort = new AbortController();
  const isStopped = () => abort.signal.aborted;
  let stopped: () => void = () => undefined;
  const hardStop = new Promise<"stop">((resolve) => {
    stopped = () => resolve("stop");
  });
  const hardTimer = Number.isFinite(hardDeadline)
    ? setTimeout(
        () => {
          abort.abort(new Error("the step's hard deadline came"));
          stopped();
          wake?.();
        },
        Math.max(0, hardDeadline - started),
      )
    : undefined;

  const fail = (job: Job<T>, reason: string, retryable: boolean) => {
    job.closed = true;
    result.failed.push({
      item: job.item,
      id: describe(job.item),
      reason,
      errorName: job.lastError === undefined ? "DeadlineExceeded" : errorName(job.lastError),
      retryable,
      attempts: job.attempts,
    });
  };

  const settle = (job: Job<T>) => {
    settled += 1;
    inFlight.delete(job);
    options.onProgress?.({ consumed: result.consumed, settled, currentRate: control.rate(Date.now()) });
    wake?.();
  };

  const run = async (job: Job<T>) => {
    job.attempts += 1;
    result.attempts += 1;
    const sentAt = Date.now();
    control.onSent();
    try {
      const outcome = await worker(job.item, abort.signal);
      if (job.closed) return;
      result.succeeded += 1;
      if (typeof outcome === "string") result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
      control.accepted(sentAt, Date.now());
      settle(job);
    } catch (error) {
      // Aborted at the hard deadline (or failing just then): reported with the calls in flight, below.
      if (job.closed || isStopped()) return;
      job.lastError = error;
      const kind = classify(error);
      if (kind === "fatal") {
        fail(job, errorMessage(error), false);
        settle(job);
        return;
      }
      const now = Date.now();
      if (kind === "throttle") {
        result.throttles += 1;
        control.throttled(sentAt, now);
      } else {
        result.transientErrors += 1;
        control.transient(now);
      }
      if (job.attempts >= maxAttempts) {
        fail(job, `gave up after ${job.attempts} attempts: ${errorMessage(error)}`, true);
        settle(job);
        return;
      }
      const backoff = Math.min(maxBackoff, baseBackoff * 2 ** (job.attempts - 1));
      job.readyAt = now + backoff / 2 + Math.random() * (backoff / 2);
      retries.push(job);
      inFlight.delete(job);
      wake?.();
    }
  };

  let nextSlot = started;
  while (!isStopped()) {
    if (inFlight.size >= options.concurrency) {
      await pause();
      continue;
    }
    const now = Date.now();
    let job = takeDueRetry(retries, now);
    if (!job && !exhausted && !result.sourceError && now < deadline) {
      let next: IteratorResult<T> | "stop";
      try {
        // A read that outlives the hard deadline is left behind, not waited for.
        next = await Promise.race([iterator.next(), hardStop]);
      } catch (error) {
        // Keep what this run achieved: stop taking items, let those in flight settle, and report the error.
        const retryable = classify(error) !== "fatal";
        result.sourceError = { name: errorName(error), message: errorMessage(error), retryable };
        continue;
      }
      if (next === "stop") break;
      if (next.done) {
        exhausted = true;
        continue;
      }
      result.consumed += 1;
      result.lastConsumed = next.value;
      job = { item: next.value, attempts: 0, readyAt: 0 };
    }
    if (!job) {
      if (retries.length === 0 && inFlight.size === 0) break;
      if (retries.length === 0) {
        await pause();
        continue;
      }
      const earliest = retries.reduce((min, r) => Math.min(min, r.readyAt), Number.POSITIVE_INFINITY);
      await pause(earliest - now);
      continue;
    }
    const interval = 1000 / control.rate(Date.now());
    // Late timers may catch up by at most one interval: never a burst above the rate.
    nextSlot = Math.max(nextSlot, Date.now() - interval);
    while (Date.now() < nextSlot && !isStopped()) await pause(nextSlot - Date.now());
    if (isStopped()) {
      retries.push(job);
      break;
    }
    nextSlot += interval;
    inFlight.add(job);
    void run(job);
  }
  clearTimeout(hardTimer);

  if (isStopped()) {
    for (const job of inFlight) {
      result.aborted += 1;
      fail(job, "the step's hard deadline came while its call was in flight (aborted)", true);
    }
    for (const job of retries.splice(0))
      fail(job, "deadline reached before this item could be retried", true);
    // An unfinished read is not awaited: ask the stream to close once it settles.
    if (!exhausted && !result.sourceError) {
      Promise.resolve()
        .then(() => iterator.return?.())
        .catch(() => undefined);
    }
  } else if (!exhausted && !result.sourceError) {
    await iterator.return?.();
  }
  const ended = Date.now();
  result.exhausted = exhausted;
  result.retry = result.failed.filter((failure) => failure.retryable).map((failure) => failure.item);
  result.done = exhausted && result.retry.length === 0 && !result.sourceError;
  result.elapsedMs = ended - started;
  const seconds = Math.max(result.elapsedMs, 1) / 1000;
  result.achievedRate = result.attempts / seconds;
  result.itemRate = settled / seconds;
  result.finalRate = control.rate(ended);
  result.learnedRate = control.learned();
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
