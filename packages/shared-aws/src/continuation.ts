// Long work never depends on one Lambda finishing: each step stops before its deadline and returns a cursor.

export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** Default time kept back for in-flight calls to settle and the result to be returned. */
export const DEFAULT_DEADLINE_MARGIN_MS = 30_000;

/** The moment (epoch ms) to stop taking new work: the Lambda's remaining time minus a margin. */
export function deadlineFrom(context: RemainingTime, marginMs = DEFAULT_DEADLINE_MARGIN_MS): number {
  const remaining = context.getRemainingTimeInMillis();
  return Date.now() + Math.max(0, remaining - Math.min(marginMs, remaining / 2));
}

/** A step's answer: `done`, or the cursor to invoke it again with. */
export type Continuation<C> = { done: true; cursor?: undefined } | { done: false; cursor: C };

export function continuation<C>(finished: boolean, cursor: C): Continuation<C> {
  return finished ? { done: true } : { done: false, cursor };
}
