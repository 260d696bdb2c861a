// The demo, with fewer things, inside the test suite: the same walkthrough `./run demo` prints.
import { describe, expect, it } from "@jest/globals";
import { runWalkthrough } from "../../src/walkthrough";

const quiet = { step() {}, info() {}, limitation() {}, progress() {} };

describe("the seed-000 walkthrough against the emulator", () => {
  it("targets the query minus the exclude list, fast-tracks exactly the targets, and tears down to nothing", async () => {
    const limitations: string[] = [];
    const summary = await runWalkthrough(
      {
        things: 60,
        excluded: 18,
        prefix: "demoTest",
        jobName: "demoTestJob",
        listKey: "demo-test-exclude.csv",
      },
      { ...quiet, limitation: (line) => limitations.push(line) },
    );
    expect(summary.checks.filter((c) => !c.ok)).toEqual([]);
    expect(summary).toMatchObject({
      ok: true,
      seeded: 60,
      excluded: 18,
      previewTargeted: 42,
      previewExcluded: 18,
      fastTracked: 42,
    });
    expect(summary.checks.map((c) => c.name)).toEqual([
      "every targeted device got the fast-track write",
      "no excluded device got it",
      "the exclude group holds the list",
      "preview counted the same targets",
      "the job is CONTINUOUS on the target group at 1000/min",
      "teardown left nothing behind",
    ]);
    // Each feature the emulator lacks is said in one plain line.
    expect(limitations).toHaveLength(3);
    expect(summary.timings.map((t) => t.step)).toEqual([
      "seed",
      "state machine",
      "verify shadows",
      "teardown",
    ]);
  });
});
