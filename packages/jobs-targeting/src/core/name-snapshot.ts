// A compact, resumable record of a set of thing names sharing a prefix: numeric suffixes as runs
// (`delete123Me0 … delete123Me99999` is one pair of numbers), anything else listed. It lets a delete carry the
// names it listed in its cursor instead of paging through a listing while deleting from it.
import * as z from "zod/mini";

export const snapshotSchema = z.object({
  runs: z.array(z.tuple([z.int().check(z.minimum(0)), z.int().check(z.minimum(0))])),
  others: z.array(z.string()),
});
export type NameSnapshot = z.infer<typeof snapshotSchema>;

// Only canonical decimals (no leading zeros) round-trip through a number.
const NUMERIC = /^(0|[1-9]\d{0,14})$/;

export function snapshotOf(suffixes: Iterable<string>): NameSnapshot {
  const numbers: number[] = [];
  const others = new Set<string>();
  for (const suffix of suffixes) {
    if (NUMERIC.test(suffix)) numbers.push(Number(suffix));
    else others.add(suffix);
  }
  numbers.sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const n of numbers) {
    const last = runs.at(-1);
    if (last && n <= last[1] + 1) last[1] = Math.max(last[1], n);
    else runs.push([n, n]);
  }
  return { runs, others: [...others].sort() };
}

export function snapshotSize(snapshot: NameSnapshot): number {
  return snapshot.runs.reduce((sum, [from, to]) => sum + to - from + 1, 0) + snapshot.others.length;
}

/** The suffixes in a fixed order, after skipping the first `skip` of them. */
export function* suffixesOf(snapshot: NameSnapshot, skip = 0): Generator<string> {
  let toSkip = skip;
  for (const [from, to] of snapshot.runs) {
    const length = to - from + 1;
    if (toSkip >= length) {
      toSkip -= length;
      continue;
    }
    for (let n = from + toSkip; n <= to; n++) yield String(n);
    toSkip = 0;
  }
  for (const suffix of snapshot.others.slice(toSkip)) yield suffix;
}
