// A quota as AWS enforces it: a token bucket refilled at `rate` per second holding at most `burst` tokens.
// Used by tests and benchmarks as the fake service that throttles above the rate.
export class TokenBucket {
  private tokens: number;
  private last: number;
  admitted = 0;
  rejected = 0;

  constructor(
    readonly rate: number,
    readonly burst = Math.max(2, Math.ceil(rate * 0.05)),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token if one is there; false means the call is throttled. */
  take(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.admitted += 1;
      return true;
    }
    this.rejected += 1;
    return false;
  }
}
