// Shared by the concurrency tests and the bench: work over many items a few at a time, and a shuffle that is the
// same on every run (a seeded linear congruential generator), so a failing order can be replayed.

/** Runs `work` over `items`, `width` at a time; the results in the items' order. */
export async function inFlight<T, R>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

/** Shuffles `items` in place, the same way for the same seed. */
export function shuffled<T>(items: T[], seed = 7): T[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
