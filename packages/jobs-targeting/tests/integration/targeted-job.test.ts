// The seed's walkthrough, step handler by step handler, against the emulator: 2,000 things, an exclude list of
// 300 names written the way real lists are (a BOM, LF and CRLF, blank lines, duplicates, 5 unknown names),
// the group filled and confirmed in the index, the job created, fast-track, and a teardown that leaves nothing.
// The calls the emulator lacks (DescribeIndex, dynamic groups) are covered by aws-request-shapes.test.ts.
import {
  DescribeJobCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListThingsCommand,
  ListThingsInThingGroupCommand,
} from "@aws-sdk/client-iot";
import { GetThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { awsClient, ConflictError, iotDataClient, NotFoundError } from "@fleet/shared-aws";
import { beforeAll, describe, expect, it, jest } from "@jest/globals";
import definition from "../../src/state-machine.asl.json" with { type: "json" };
import {
  type Call,
  callsPerThing,
  configureHandlers,
  createBucketWith,
  invoke,
  recordCalls,
} from "../support/integration";

jest.setTimeout(120_000);
const BUCKET = "it-job-lists";
const PREFIX = "itJob";
const JOB = "itJobJob";
const EXCLUDE_GROUP = `${JOB}-exclude`;
const QUERY = `thingName:${PREFIX}*`;
const FLEET = Array.from({ length: 2000 }, (_, i) => `${PREFIX}${i}`);
const EXCLUDED = FLEET.filter((_, i) => i % 6 === 3).slice(0, 290);
const UNKNOWN = Array.from({ length: 5 }, (_, i) => `${PREFIX}Ghost${i}`);
const TARGETED = FLEET.filter((name) => !EXCLUDED.includes(name));

/** 300 names: 290 things, 5 repeats, 5 unknown; BOM, LF and CRLF line ends, blank and padded lines. */
function excludeList(): Uint8Array {
  const names = [...EXCLUDED, ...EXCLUDED.slice(0, 5), ...UNKNOWN];
  const lines = names.map((name, i) => (i % 3 === 0 ? `  ${name}\t` : name));
  lines.splice(10, 0, "", "   ");
  const text = lines.map((line, i) => line + (i % 2 === 0 ? "\n" : "\r\n")).join("");
  return new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
}

interface Step {
  done: boolean;
  cursor: unknown;
  counts: Record<string, number>;
  failures: { name: string; reason: string }[];
}

/** A step cut short by a clock of `timeoutMs`, then invoked again with each cursor (and `resumeMs`) until done. */
async function cutShortThenResume(
  name: "fill-exclude-group" | "fast-track",
  event: Record<string, unknown>,
  timeoutMs: number,
  resumeMs?: number,
) {
  const results = [await invoke<Step>(name, event, timeoutMs)];
  while (!results.at(-1)?.done)
    results.push(await invoke<Step>(name, { ...event, cursor: results.at(-1)?.cursor }, resumeMs));
  return results;
}

const iot = () => awsClient(IoTClient);

/**
 * Holds the next shadow write of the handlers' paced client until its abort signal fires (the SDK hands the
 * signal to middleware in the Smithy context); the write is never sent. Says which thing it held; `release`
 * removes the hold.
 */
async function stallFirstShadowWrite() {
  let thingName: string | undefined;
  let signal: AbortSignal | undefined;
  type Args = { input: { thingName?: string } };
  type Context = { __smithy_context?: { abortSignal?: AbortSignal } };
  const stall = (next: (args: Args) => Promise<unknown>, context: Context) => async (args: Args) => {
    if (thingName !== undefined) return next(args);
    thingName = args.input.thingName;
    signal = context.__smithy_context?.abortSignal;
    return new Promise((_, reject) => {
      signal?.addEventListener("abort", () =>
        reject(Object.assign(new Error("aborted"), { name: "AbortError" })),
      );
    });
  };
  const shadows = await iotDataClient({ paced: true });
  shadows.middlewareStack.add(stall as never, {
    step: "initialize",
    name: "stallFirstShadowWrite",
    override: true,
  });
  return {
    get thingName() {
      return thingName;
    },
    aborted: () => signal?.aborted === true,
    release: () => shadows.middlewareStack.remove("stallFirstShadowWrite"),
  };
}

let calls: Call[];
/** The execution start-targeted-job started (the emulator keeps it RUNNING: it runs no definition). */
let startedExecution: string;
let stateMachineArn: string;

beforeAll(async () => {
  configureHandlers(BUCKET);
  await createBucketWith(BUCKET, { "exclude.csv": excludeList(), "other.csv": "x1\n" });
  calls = await recordCalls();
  const seeded = await invoke<Step>("seed-things", {
    mode: "seed",
    demoThingPrefix: PREFIX,
    seedConfigNumber: 2000,
  });
  expect(seeded.counts).toEqual({ created: 2000, existed: 0, failed: 0 });
});

describe("targeted job, step by step, against the emulator", () => {
  it("preview counts targets and exclusions and creates nothing", async () => {
    calls.length = 0;
    const preview = await invoke("preview", {
      fleetIndexQuery: QUERY,
      excludeListFileName: "exclude.csv",
      jobName: JOB,
      sampleSize: 3,
    });
    expect(preview).toMatchObject({
      done: true,
      matched: 2000,
      targeted: 1710,
      excluded: 290,
      excludeList: { names: 295, invalid: 0, duplicates: 5 },
      targetQuery: expect.stringMatching(
        /^\(shadow\.reported\.updateKey:\d{13} OR \(thingName:itJob\*\)\) AND NOT thingGroupNames:itJobJob-exclude$/,
      ),
    });
    expect(calls.every((call) => ["SearchIndexCommand"].includes(call.command))).toBe(true);
  });

  it("ensure-indexing switches on REGISTRY_AND_SHADOW once, then finds nothing to change", async () => {
    const first = await invoke("ensure-indexing", { fleetIndexQuery: QUERY });
    expect(first).toMatchObject({ thingIndexingMode: "REGISTRY_AND_SHADOW" });
    await expect(invoke("ensure-indexing", { fleetIndexQuery: QUERY })).resolves.toEqual({
      changed: false,
      changes: [],
      thingIndexingMode: "REGISTRY_AND_SHADOW",
    });
  });

  it("fill-exclude-group, cut short by its deadline, resumes and adds every listed thing, reporting the 5 unknown names", async () => {
    calls.length = 0;
    const event = { excludeListFileName: "exclude.csv", staticGroupName: EXCLUDE_GROUP };
    const results = await cutShortThenResume("fill-exclude-group", event, 1_000);
    expect(results.length).toBeGreaterThan(1);
    const last = results.at(-1) as Step;
    expect(last.counts).toMatchObject({ missing: 5, invalid: 0, failed: 0 });
    // A repeat read in the same invocation as its first appearance is skipped; one read after a continuation is
    // added again (AddThingToThingGroup is idempotent). Either way every appearance is accounted for.
    expect((last.counts.added ?? 0) + (last.counts.duplicate ?? 0)).toBe(295);
    expect(last.failures.map((f) => f.name).sort()).toEqual(UNKNOWN);
    expect(last.failures.every((f) => f.reason === "thing does not exist")).toBe(true);
    // Each listed thing was added once per appearance in the list at most (a repeat is skipped within a run).
    const adds = callsPerThing(calls, "AddThingToThingGroupCommand");
    expect([...adds].every(([name, n]) => n <= (EXCLUDED.slice(0, 5).includes(name) ? 2 : 1))).toBe(true);
    const members = await iot().send(new ListThingsInThingGroupCommand({ thingGroupName: EXCLUDE_GROUP }));
    expect((members.things ?? []).sort()).toEqual([...EXCLUDED].sort());
  });

  it("confirm-exclusions finds every member in the fleet index, by name", async () => {
    await expect(invoke("confirm-exclusions", { groupName: EXCLUDE_GROUP })).resolves.toEqual({
      done: true,
      cursor: null,
      confirmed: true,
      members: 290,
      indexed: 290,
      missing: 0,
      stale: 0,
      examples: { missing: [], stale: [] },
    });
  });

  describe("start-targeted-job", () => {
    beforeAll(async () => {
      const created = await awsClient(SFNClient).send(
        new CreateStateMachineCommand({
          name: "it-targeted-job",
          definition: JSON.stringify(definition),
          roleArn: "arn:aws:iam::123456789012:role/it-targeted-job",
        }),
      );
      stateMachineArn = created.stateMachineArn as string;
    });
    const start = async (event: Record<string, unknown>) => {
      // Read at the handler's cold start, which is its first invocation in this file.
      process.env.STATE_MACHINE_ARN = stateMachineArn;
      return invoke<{
        executionArn: string;
        alreadyRunning: boolean;
        existing: Record<string, boolean>;
        plan: Record<string, unknown>;
      }>("start-targeted-job", event);
    };

    it("recognises the filled exclude group, starts the execution with the plan and returns its ARN", async () => {
      const started = await start({
        jobName: JOB,
        fleetIndexQuery: QUERY,
        excludeListFileName: "exclude.csv",
      });
      expect(started.existing).toEqual({ targetGroup: false, excludeGroup: true, job: false });
      expect(started.plan).toMatchObject({
        jobName: JOB,
        excludeGroupName: EXCLUDE_GROUP,
        excludeListFileName: "exclude.csv",
      });
      const execution = await awsClient(SFNClient).send(
        new DescribeExecutionCommand({ executionArn: started.executionArn }),
      );
      expect(execution.stateMachineArn).toBe(stateMachineArn);
      expect(JSON.parse(execution.input ?? "{}")).toEqual(started.plan);
      expect(started.alreadyRunning).toBe(false);
      startedExecution = started.executionArn;
    });

    it("started again with the same request, returns the running execution instead of starting a second", async () => {
      const again = await start({ jobName: JOB, fleetIndexQuery: QUERY, excludeListFileName: "exclude.csv" });
      expect(again).toMatchObject({ executionArn: startedExecution, alreadyRunning: true });
      const { executions = [] } = await awsClient(SFNClient).send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: "RUNNING" }),
      );
      expect(executions.map((e) => e.executionArn)).toEqual([startedExecution]);
    });

    it("refuses another request for the job while its execution runs, naming the execution", async () => {
      const other = start({
        jobName: JOB,
        fleetIndexQuery: QUERY,
        excludeListFileName: "exclude.csv",
        rollout: { maximumPerMinute: 10 },
      });
      await expect(other).rejects.toHaveProperty("name", ConflictError.name);
      await expect(other).rejects.toThrow(
        `execution ${startedExecution} of job ${JOB} is running with another request (job.rollout differ)`,
      );
    });

    it("refuses the same jobName with another list, and a list that does not exist", async () => {
      const other = start({ jobName: JOB, fleetIndexQuery: QUERY, excludeListFileName: "other.csv" });
      await expect(other).rejects.toThrow(
        /exclude group itJobJob-exclude was filled from another list \(Exclude list exclude\.csv/,
      );
      await expect(other).rejects.toHaveProperty("name", ConflictError.name);
      await expect(
        start({ jobName: "itJobOther", excludeListFileName: "missing.csv" }),
      ).rejects.toHaveProperty("name", NotFoundError.name);
    });
  });

  it("create-job creates the CONTINUOUS job on the group, and a re-run finds it", async () => {
    const targetGroupArn = `arn:aws:iot:us-east-1:123456789012:thinggroup/${JOB}`;
    const event = {
      jobName: JOB,
      targetGroupArn,
      job: { document: { operation: "update" }, rollout: { maximumPerMinute: 500 } },
    };
    await expect(invoke("create-job", event)).resolves.toMatchObject({ jobId: JOB, outcome: "created" });
    const { job } = await iot().send(new DescribeJobCommand({ jobId: JOB }));
    expect(job).toMatchObject({
      jobId: JOB,
      targets: [targetGroupArn],
      targetSelection: "CONTINUOUS",
      jobExecutionsRolloutConfig: { maximumPerMinute: 500 },
    });
    await expect(invoke("create-job", event)).resolves.toMatchObject({ outcome: "existed" });
  });

  it("fast-track, cut short by its deadline, resumes and writes every target's shadow once and no excluded one; a call that outlives the invocation is aborted and carried", async () => {
    calls.length = 0;
    const event = {
      queryString: QUERY,
      excludeGroupName: EXCLUDE_GROUP,
      excludeListFileName: "exclude.csv",
      updateKey: "updateKey",
      updateValue: 1700000000000,
    };
    // The first shadow write never gets an answer, as when one emulator call outlives the time a loaded machine
    // leaves: only the step's hard deadline (its abort signal) ends it, before the Lambda's own timeout. On a busy
    // machine the first write may come after the first invocation's deadline: every invocation has a clock.
    const stalled = await stallFirstShadowWrite();
    const results = await cutShortThenResume("fast-track", event, 4_000, 30_000);
    stalled.release();
    expect(results.length).toBeGreaterThan(1);
    expect(stalled.aborted()).toBe(true);
    const carried = results.flatMap((result) => (result.cursor as { retry?: unknown[] } | null)?.retry ?? []);
    expect(carried).toContainEqual({ item: stalled.thingName, rounds: 1 });
    expect(results.at(-1)?.counts).toEqual({ matched: 2000, excluded: 290, updated: 1710, failed: 0 });
    const writes = callsPerThing(calls, "UpdateThingShadowCommand");
    expect([...writes.keys()].sort()).toEqual([...TARGETED].sort());
    expect([...writes.values()].every((n) => n === 1)).toBe(true);

    const shadows = await iotDataClient();
    const reported = async (thingName: string) => {
      try {
        const shadow = await shadows.send(new GetThingShadowCommand({ thingName }));
        return JSON.parse(new TextDecoder().decode(shadow.payload)).state?.reported?.updateKey;
      } catch (error) {
        if ((error as Error).name === "ResourceNotFoundException") return undefined;
        throw error;
      }
    };
    const sample = TARGETED.filter((_, i) => i % 9 === 0);
    expect(new Set(await Promise.all(sample.map(reported)))).toEqual(new Set([1700000000000]));
    expect(new Set(await Promise.all(EXCLUDED.map(reported)))).toEqual(new Set([undefined]));
  });

  it("teardown stops the job's running execution, removes the job, the exclude group and every thing, and a second teardown finds nothing to stop or delete", async () => {
    const first = await invoke("teardown", { jobName: JOB, thingPrefix: PREFIX });
    expect(first).toMatchObject({
      done: true,
      stoppedExecutions: [startedExecution],
      job: "deleted",
      targetGroup: "absent",
      excludeGroup: "deleted",
      things: { counts: { listed: 2000, deleted: 2000, absent: 0, failed: 0 } },
    });
    await expect(iot().send(new DescribeJobCommand({ jobId: JOB }))).rejects.toHaveProperty(
      "name",
      "ResourceNotFoundException",
    );
    await expect(
      iot().send(new DescribeThingGroupCommand({ thingGroupName: EXCLUDE_GROUP })),
    ).rejects.toHaveProperty("name", "ResourceNotFoundException");
    const stopped = await awsClient(SFNClient).send(
      new DescribeExecutionCommand({ executionArn: startedExecution }),
    );
    expect(stopped.status).toBe("ABORTED");
    const left = await iot().send(new ListThingsCommand({ maxResults: 250 }));
    expect((left.things ?? []).filter((t) => t.thingName?.startsWith(PREFIX))).toEqual([]);

    // The emulator deletes a job at once; on AWS, DeleteJob is asynchronous and a prompt repeat sees "deleting".
    await expect(invoke("teardown", { jobName: JOB, thingPrefix: PREFIX })).resolves.toMatchObject({
      done: true,
      stoppedExecutions: [],
      job: "absent",
      targetGroup: "absent",
      excludeGroup: "absent",
      things: { counts: { listed: 0, deleted: 0 } },
    });
  });
});
