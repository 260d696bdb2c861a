// seed-things against the emulator: seeding and deleting are idempotent, and a run cut short by its deadline
// resumes from its cursor and finishes with nothing lost and nothing done twice.
import { IoTClient, ListThingsCommand } from "@aws-sdk/client-iot";
import { awsClient } from "@fleet/shared-aws";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { type Call, callsPerThing, configureHandlers, invoke, recordCalls } from "../support/integration";

configureHandlers("it-seed-lists");

interface SeedResult {
  done: boolean;
  cursor: unknown;
  counts: Record<string, number>;
  failures: unknown[];
  run: { achievedRate: number; targetRate: number };
}

async function thingsNamed(prefix: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await awsClient(IoTClient).send(new ListThingsCommand({ maxResults: 250, nextToken }));
    for (const thing of page.things ?? [])
      if (thing.thingName?.startsWith(prefix)) names.push(thing.thingName);
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/** Invokes with a clock so short that the run is cut, then again with each cursor until done. */
async function cutShortThenResume(event: Record<string, unknown>): Promise<SeedResult[]> {
  const results = [await invoke<SeedResult>("seed-things", event, 1_000)];
  while (!results.at(-1)?.done)
    results.push(await invoke<SeedResult>("seed-things", { ...event, cursor: results.at(-1)?.cursor }));
  return results;
}

/** Calls of `command` aborted at an invocation's hard deadline. */
const aborted = (calls: Call[], command: string) =>
  calls.filter((call) => call.command === command && call.error === "AbortError").length;

let calls: Call[];
beforeAll(async () => {
  calls = await recordCalls();
});

describe("seed-things against the emulator", () => {
  it("seeds prefix0…prefix{n-1}, then counts them as existing on a second run without re-creating any", async () => {
    const first = await invoke<SeedResult>("seed-things", {
      mode: "seed",
      demoThingPrefix: "itSeedA",
      seedConfigNumber: 300,
    });
    expect(first).toMatchObject({
      done: true,
      cursor: null,
      counts: { created: 300, existed: 0, failed: 0 },
      failures: [],
    });
    expect(first.run.achievedRate).toBeGreaterThan(0);
    expect((await thingsNamed("itSeedA")).sort()).toEqual(
      Array.from({ length: 300 }, (_, i) => `itSeedA${i}`).sort(),
    );

    calls.length = 0;
    const again = await invoke<SeedResult>("seed-things", {
      mode: "seed",
      demoThingPrefix: "itSeedA",
      seedConfigNumber: 300,
    });
    expect(again.counts).toEqual({ created: 0, existed: 300, failed: 0 });
    expect(callsPerThing(calls, "CreateThingCommand").size).toBe(0);
  });

  it("deletes every thing with the prefix, and a second delete finds nothing", async () => {
    const deleted = await invoke<SeedResult>("seed-things", { mode: "delete", demoThingPrefix: "itSeedA" });
    expect(deleted).toMatchObject({
      done: true,
      counts: { listed: 300, deleted: 300, absent: 0, failed: 0 },
    });
    expect(await thingsNamed("itSeedA")).toEqual([]);
    const again = await invoke<SeedResult>("seed-things", { mode: "delete", demoThingPrefix: "itSeedA" });
    expect(again).toMatchObject({ done: true, counts: { listed: 0, deleted: 0, absent: 0, failed: 0 } });
  });

  it("a seed cut short by its deadline resumes and creates every thing exactly once", async () => {
    calls.length = 0;
    const results = await cutShortThenResume({
      mode: "seed",
      demoThingPrefix: "itSeedCut",
      seedConfigNumber: 400,
    });
    expect(results.length).toBeGreaterThan(1);
    expect(results[0]?.done).toBe(false);
    // A create aborted at a hard deadline may have reached the emulator: the next invocation finds that thing
    // there ("existed"). Nothing else may be found existing, and no thing is created twice.
    const counts = results.at(-1)?.counts ?? {};
    expect(counts).toMatchObject({ failed: 0 });
    expect((counts.created ?? 0) + (counts.existed ?? 0)).toBe(400);
    expect(counts.existed).toBeLessThanOrEqual(aborted(calls, "CreateThingCommand"));
    const created = callsPerThing(calls, "CreateThingCommand");
    expect(created.size).toBe(counts.created);
    expect([...created.values()].every((n) => n === 1)).toBe(true);
    expect(await thingsNamed("itSeedCut")).toHaveLength(400);
  });

  it("a delete cut short by its deadline resumes and deletes every thing exactly once", async () => {
    calls.length = 0;
    const results = await cutShortThenResume({ mode: "delete", demoThingPrefix: "itSeedCut" });
    expect(results.length).toBeGreaterThan(1);
    // As for the seed: a delete aborted at a hard deadline may have reached the emulator ("absent" next time).
    const counts = results.at(-1)?.counts ?? {};
    expect(counts).toMatchObject({ listed: 400, failed: 0 });
    expect((counts.deleted ?? 0) + (counts.absent ?? 0)).toBe(400);
    expect(counts.absent).toBeLessThanOrEqual(aborted(calls, "DeleteThingCommand"));
    const deleted = callsPerThing(calls, "DeleteThingCommand");
    expect(deleted.size).toBe(counts.deleted);
    expect([...deleted.values()].every((n) => n === 1)).toBe(true);
    expect(await thingsNamed("itSeedCut")).toEqual([]);
  });
});
