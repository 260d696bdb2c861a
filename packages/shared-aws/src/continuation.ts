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
