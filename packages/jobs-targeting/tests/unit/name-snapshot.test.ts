import { describe, expect, it } from "@jest/globals";
import { snapshotOf, snapshotSize, suffixesOf } from "../../src/core/name-snapshot";

describe("name snapshot", () => {
  it("keeps a seeded fleet as one run, whatever order the listing gave", () => {
    const suffixes = Array.from({ length: 100_000 }, (_, i) => String(99_999 - i));
    const snapshot = snapshotOf(suffixes);
    expect(snapshot).toEqual({ runs: [[0, 99_999]], others: [] });
    expect(JSON.stringify(snapshot).length).toBeLessThan(50);
    expect(snapshotSize(snapshot)).toBe(100_000);
  });

  it("lists non-numeric and zero-padded suffixes as they are, and drops repeats", () => {
    const snapshot = snapshotOf(["3", "1", "2", "7", "007", "-a", "", "2"]);
    expect(snapshot).toEqual({
      runs: [
        [1, 3],
        [7, 7],
      ],
      others: ["", "-a", "007"],
    });
    expect([...suffixesOf(snapshot)]).toEqual(["1", "2", "3", "7", "", "-a", "007"]);
  });

  it("resumes after any position with exactly the rest", () => {
    const snapshot = snapshotOf(["5", "6", "9", "10", "11", "x", "y"]);
    const all = [...suffixesOf(snapshot)];
    expect(all).toHaveLength(snapshotSize(snapshot));
    for (let skip = 0; skip <= all.length; skip++)
      expect([...suffixesOf(snapshot, skip)]).toEqual(all.slice(skip));
  });
});
