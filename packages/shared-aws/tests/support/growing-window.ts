// Deadline tests on a busy machine: a run may start later than a few milliseconds after its deadline was set,
// so a test that needs work done before the deadline retries with a longer window until it was.

/** Runs `attempt` with each window in turn until `enough` holds for its result; returns the last result. */
export async function withGrowingWindow<R>(
  windowsMs: readonly number[],
  attempt: (windowMs: number) => Promise<R>,
  enough: (result: R) => boolean,
): Promise<R> {
  let result: R | undefined;
  for (const windowMs of windowsMs) {
    result = await attempt(windowMs);
    if (enough(result)) return result;
  }
  return result as R;
}
