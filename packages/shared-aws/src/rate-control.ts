// Finds the rate an API really allows when the configured one is wrong, and holds just under it.
//
// A run with nothing learned yet starts at a quarter of its ceiling (the configured rate, or the account's
// applied quota when lower, less headroom; not below 40/s) and grows by half every RAMP_STEP_MS until the ceiling or the first
// throttle (slow start): a rate ten times too high then meets its first throttle a few calls in, not after a
// round trip's worth of calls sent blind. A run that continues an earlier one starts at the rate that one learned.
//
// The controller keeps two bounds on the real quota: `upper`, the lowest rate that drew a throttle, and `lower`,
// the highest rate that ran clean for CLEAN_MS. A rate whose answers are mostly throttles (STRONG or more) is far
// too high: until some rate has run clean each such throttle halves the rate, after that it goes halfway between
// the bounds (bisection). Throttles among many accepted calls mean the rate is at most a little too high, or calls
// bunched on their way (a busy host or network): the rate drops by the throttled fraction, and at a rate that had
// run clean by MIN_CUT, which then becomes `lower`. Once the bounds are within PRECISION the rate holds at `lower`;
// after HOLD_MS clean it tries one PROBE_STEP higher, to notice a quota that has grown.
//
// A throttle counts once per rate: answers to calls sent before a change, or before the calls then in flight
// were answered, say nothing about the new rate (the token bucket the old rate emptied is still refilling).

/** Time a rate must run without a throttle to count as clean. */
const CLEAN_MS = 1_500;
/** Bounds this close (relative to `upper`) are converged. */
const PRECISION = 0.06;
/** Time a converged rate runs clean before it tries PROBE_STEP higher. */
const HOLD_MS = 10_000;
const PROBE_STEP = 0.03;
/** Answers to calls at one rate of which this fraction or more are throttles: the rate is far too high. */
const STRONG = 0.2;
/** The least cut a throttle makes. */
const MIN_CUT = 0.02;
/** A strong throttle at or below `lower` (the quota shrank, or is shared): `lower` drops to this fraction of it. */
const RELAPSE = 0.9;
/** A 5xx or dropped connection cuts the rate by this factor; it moves no bound (it says nothing of the quota). */
const TRANSIENT_CUT = 0.9;
/**
 * Slow start begins at 1 / RAMP_START of the ceiling, but not below RAMP_MIN_RATE (calls a second; a 50 ms
 * round trip at that rate sends two calls blind), and grows by RAMP_FACTOR at most every RAMP_STEP_MS.
 */
const RAMP_START = 4;
const RAMP_MIN_RATE = 40;
const RAMP_FACTOR = 1.5;
const RAMP_STEP_MS = 150;
/** The rate never goes below this many calls a second (or the ceiling, if lower). */
const FLOOR_RATE = 0.1;

export interface RateControlOptions {
  /** The highest rate to use, calls per second. */
  ceiling: number;
  /** A rate learned by an earlier run: start there, treating it as converged. */
  learned?: number | undefined;
  /** Epoch ms at the start. */
  now: number;
}

export class RateController {
  private readonly ceiling: number;
  private current: number;
  private ramping = false;
  private lower = 0;
  private upper = Number.POSITIVE_INFINITY;
  private changedAt: number;
  /** Answers to calls sent before this moment do not count (see above). */
  private staleUntil = Number.NEGATIVE_INFINITY;
  private lastThrottleAt = Number.NEGATIVE_INFINITY;
  private lastTransientAt = Number.NEGATIVE_INFINITY;
  /** Calls sent since the current rate was set. */
  private sent = 0;
  /** Answers to calls sent at the current rate, and how many of them were throttles. */
  private answers = 0;
  private throttles = 0;
  /** The slowest recent answer, ms: calls sent before a change are answered within it. */
  private latency = 0;

  constructor(options: RateControlOptions) {
    this.ceiling = options.ceiling;
    this.changedAt = options.now;
    if (options.learned !== undefined) {
      // An earlier run proved this rate: no slow start (a learned rate above the ceiling proves the ceiling).
      this.current = Math.min(this.ceiling, Math.max(options.learned, this.floor));
      if (options.learned < options.ceiling) {
        this.lower = this.current;
        this.upper = this.current * (1 + PRECISION);
      }
    } else {
      this.current = Math.min(this.ceiling, Math.max(this.ceiling / RAMP_START, RAMP_MIN_RATE));
      this.ramping = this.current < this.ceiling;
    }
  }

  private get floor(): number {
    return Math.min(this.ceiling, FLOOR_RATE);
  }

  private get converged(): boolean {
    return this.upper - this.lower <= PRECISION * this.upper;
  }

  private set(rate: number, now: number): void {
    this.current = Math.min(this.ceiling, Math.max(this.floor, rate));
    this.changedAt = now;
    this.staleUntil = now + this.latency + 1000 / this.current;
    this.sent = 0;
    this.answers = 0;
    this.throttles = 0;
  }

  /** The rate to send at now, calls per second. */
  rate(now: number): number {
    const cleanMs = now - Math.max(this.changedAt, this.lastThrottleAt, this.lastTransientAt);
    if (this.ramping) return this.current;
    if (cleanMs >= CLEAN_MS && this.current !== this.lower) {
      // Only what was really sent proves anything: a slow source or full concurrency may have sent less. A rate
      // below `lower` (cut for a transient error) goes back up.
      this.lower = Math.max(this.lower, Math.min(this.current, (this.sent * 1000) / cleanMs));
      if (this.upper === Number.POSITIVE_INFINITY) this.set(this.ceiling, now);
      else this.set(this.converged ? this.lower : (this.lower + this.upper) / 2, now);
    } else if (this.converged && cleanMs >= HOLD_MS && this.current < this.ceiling) {
      this.upper = Math.max(this.upper, this.lower * (1 + 2 * PROBE_STEP));
      this.set(this.lower * (1 + PROBE_STEP), now);
    }
    return this.current;
  }

  /** A call was sent now. */
  onSent(): void {
    this.sent += 1;
  }

  private answered(sentAt: number, now: number, throttled: boolean): boolean {
    this.latency = Math.max(now - sentAt, this.latency * 0.95);
    if (sentAt < this.staleUntil) return false;
    this.answers += 1;
    if (throttled) this.throttles += 1;
    return true;
  }

  /** A call sent at `sentAt` succeeded; its answer came at `now`. */
  accepted(sentAt: number, now: number): void {
    if (!this.answered(sentAt, now, false)) return;
    if (this.ramping && now - this.changedAt >= RAMP_STEP_MS) {
      this.ramping = this.current * RAMP_FACTOR < this.ceiling;
      this.set(this.current * RAMP_FACTOR, now);
    }
  }

  /** A call sent at `sentAt` was throttled; its answer came at `now`. */
  throttled(sentAt: number, now: number): void {
    if (!this.answered(sentAt, now, true)) return;
    this.ramping = false;
    this.lastThrottleAt = now;
    const rate = this.current;
    const fraction = this.throttles / this.answers;
    const nearProven = this.lower > 0 && rate <= this.lower * (1 + PRECISION);
    this.upper = Math.min(this.upper, rate);
    if (fraction < STRONG || (nearProven && this.throttles < 2)) {
      if (nearProven) {
        this.lower = Math.min(this.lower, rate * (1 - MIN_CUT));
        this.set(this.lower, now);
      } else {
        const search = this.lower > 0 ? (this.lower + this.upper) / 2 : this.upper / 2;
        this.set(Math.max(search, rate * (1 - Math.max(fraction, MIN_CUT))), now);
      }
      return;
    }
    if (this.lower >= this.upper) this.lower = this.upper * RELAPSE;
    this.set(this.lower > 0 ? (this.lower + this.upper) / 2 : this.upper / 2, now);
  }

  /** A call failed in a way that may pass (5xx, a dropped connection). */
  transient(now: number): void {
    // One burst of errors is one signal: cut once per interval it takes the cut to show.
    if (now - this.lastTransientAt < Math.max(250, 2000 / this.current)) return;
    this.lastTransientAt = now;
    this.set(this.current * TRANSIENT_CUT, now);
  }

  /** What a later run should start at (undefined: never throttled, nothing learned). */
  learned(): number | undefined {
    if (this.upper === Number.POSITIVE_INFINITY) return undefined;
    return this.lower > 0 ? this.lower : this.current;
  }
}
