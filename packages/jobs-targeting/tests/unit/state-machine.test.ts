// The state machine definition: valid ASL, wired to this package's handlers, and run locally with fake steps to
// prove the order (exclusions confirmed before the dynamic group and the job exist) and every loop. The fakes
// parse each payload with the real handler's event schema, so a mapping that sends a wrong shape fails here.

import { parseOrThrow, TransientError } from "@fleet/shared-aws";
import { aslProblems } from "@fleet/testing/asl";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { describe, expect, it } from "@jest/globals";
import type * as z from "zod/mini";
import type { HandlerName } from "../../src/config";
import { manifest } from "../../src/index";
import * as schemas from "../../src/schemas";
import definition from "../../src/state-machine.asl.json" with { type: "json" };

type StateDefinition = {
  Type: string;
  Parameters?: { FunctionName?: string };
  Retry?: { ErrorEquals: string[] }[];
};
const states = definition.States as Record<string, StateDefinition>;
const taskStates = Object.entries(states).filter(([, state]) => state.Type === "Task");
const functionOf = (state: StateDefinition) =>
  /^\$\{(.+)\}$/.exec(state.Parameters?.FunctionName ?? "")?.[1] as HandlerName;

const STEP_SCHEMAS: Partial<Record<HandlerName, z.ZodMiniType>> = {
  "ensure-indexing": schemas.ensureIndexingEvent,
  "index-status": schemas.indexStatusEvent,
  "fill-exclude-group": schemas.fillExcludeGroupEvent,
  "confirm-exclusions": schemas.confirmExclusionsEvent,
  "create-target-group": schemas.createTargetGroupEvent,
  "create-job": schemas.createJobEvent,
  "fast-track": schemas.fastTrackEvent,
};

const plan = (withList: boolean) =>
  parseOrThrow(schemas.targetedJobPlan, {
    jobName: "myFirstJob",
    fleetIndexQuery: "thingName:myDemoThings*",
    excludeListFileName: withList ? "excludeMyDemoThings.csv" : null,
    excludeListVersion: withList ? { etag: "0f1e2d", versionId: "v1" } : null,
    excludeGroupName: withList ? "myFirstJob-exclude" : null,
    updateKey: "updateKey",
    updateValue: 1700000000000,
    targetQuery: "(shadow.reported.updateKey:1700000000000 OR (thingName:myDemoThings*))",
    job: { document: { operation: "update" }, rollout: { maximumPerMinute: 1000 } },
  });

const tally = { counts: { failed: 0 }, failures: [], failuresOmitted: 0 };
const run = { elapsedMs: 1, attempts: 1, throttles: 0, achievedRate: 1, targetRate: 1 };
const step = (done: boolean, cursor: unknown = null) => ({
  done,
  cursor: done ? null : cursor,
  ...tally,
  run,
});
const listVersion = { etag: "e", versionId: "v1" };
/** A fill-exclude-group answer: its step result, the list version it read, its counts. */
const fill = (done: boolean, cursor: unknown = null, counts: Record<string, number> = {}) => ({
  ...step(done, cursor),
  counts: { added: 3, missing: 0, invalid: 0, duplicate: 0, failed: 0, ...counts },
  list: listVersion,
  removedEmptyGroup: false,
});
const fillCursor = (from: number) => ({
  from,
  line: from / 10 + 1,
  ...listVersion,
  createdGroup: true,
  tally,
});
/** A confirm-exclusions answer: a pass still going (with its cursor), or a finished one. */
const confirmation = (confirmed: boolean, cursor: unknown = null) => ({
  done: cursor === null,
  cursor,
  confirmed,
  members: 3,
  indexed: confirmed ? 3 : 2,
  missing: confirmed ? 0 : 1,
  stale: 0,
  exact: true,
  examples: { missing: confirmed ? [] : ["dev3"], stale: [] },
});
const confirmCursor = { phase: "index", nextToken: "t1", members: 3, indexed: 1, sketch: "AwA=" };
const searchCursor = (skip: number) => ({ position: { pageToken: null, skip }, tally });

type Fake = (payload: Record<string, unknown>, call: number) => unknown;

/** Runs the definition with fake steps (answers given per call) and records every step's payload in order. */
async function execute(input: unknown, fakes: Partial<Record<HandlerName, Fake>>) {
  const calls: { fn: HandlerName; payload: Record<string, unknown> }[] = [];
  const step = async (name: string, payload: unknown) => {
    const fn = name as HandlerName;
    parseOrThrow(STEP_SCHEMAS[fn] as z.ZodMiniType, payload, `${fn} payload`);
    calls.push({ fn, payload: payload as Record<string, unknown> });
    const fake = fakes[fn];
    if (!fake) throw new Error(`no fake for ${fn}`);
    return fake(payload as Record<string, unknown>, calls.filter((c) => c.fn === fn).length);
  };
  const output = await runStateMachineLocally(definition, input, step).catch((error: Error) => ({
    failed: error.cause ?? error,
  }));
  return { calls, order: calls.map((c) => c.fn), output: output as Record<string, unknown> };
}

const happyFakes: Partial<Record<HandlerName, Fake>> = {
  "ensure-indexing": () => ({ changed: false, changes: [], thingIndexingMode: "REGISTRY_AND_SHADOW" }),
  "index-status": () => ({ indexStatus: "ACTIVE", ready: true }),
  "fill-exclude-group": () => fill(true),
  "confirm-exclusions": () => confirmation(true),
  "create-target-group": () => ({
    groupName: "myFirstJob",
    groupArn: "arn:aws:iot:us-east-1:000000000000:thinggroup/myFirstJob",
    outcome: "created",
  }),
  "create-job": () => ({
    jobId: "myFirstJob",
    jobArn: "arn:aws:iot:us-east-1:000000000000:job/myFirstJob",
    outcome: "created",
  }),
  "fast-track": () => step(true),
};

describe("state machine definition", () => {
  it("is valid Amazon States Language (asl-validator)", () => {
    expect(aslProblems(definition)).toEqual([]);
  });

  it("invokes only this package's handlers, each retried on transient and Lambda service errors with backoff", () => {
    expect(taskStates.length).toBeGreaterThan(0);
    for (const [name, state] of taskStates) {
      expect([name, functionOf(state) in manifest.handlers]).toEqual([name, true]);
      const errors = state.Retry?.flatMap((r) => r.ErrorEquals) ?? [];
      expect(errors).toEqual(
        expect.arrayContaining([
          "TransientError",
          "Lambda.TooManyRequestsException",
          "Lambda.ServiceException",
        ]),
      );
    }
  });

  it("keeps each call the emulator lacks in a state of its own (the demo substitutes just that state)", () => {
    const stateOf = (fn: HandlerName) => taskStates.filter(([, s]) => functionOf(s) === fn).map(([n]) => n);
    expect(stateOf("index-status")).toEqual(["IndexStatus"]);
    expect(stateOf("create-target-group")).toEqual(["CreateTargetGroup"]);
  });
});

describe("state machine run (aws-local-stepfunctions, fake steps)", () => {
  it("confirms the exclusions in the index before the dynamic group and the job exist, looping every step on its cursor", async () => {
    const { calls, order, output } = await execute(plan(true), {
      ...happyFakes,
      "index-status": (_, n) => ({ indexStatus: n < 3 ? "BUILDING" : "ACTIVE", ready: n >= 3 }),
      "fill-exclude-group": (_, n) => (n < 3 ? fill(false, fillCursor(n * 100)) : fill(true)),
      "confirm-exclusions": (_, n) => (n === 1 ? confirmation(false, confirmCursor) : confirmation(n >= 3)),
      "fast-track": (_, n) => (n < 2 ? step(false, searchCursor(100)) : step(true)),
    });
    expect(order).toEqual([
      "ensure-indexing",
      "index-status",
      "index-status",
      "index-status",
      "fill-exclude-group",
      "fill-exclude-group",
      "fill-exclude-group",
      "confirm-exclusions",
      "confirm-exclusions",
      "confirm-exclusions",
      "create-target-group",
      "create-job",
      "fast-track",
      "fast-track",
    ]);
    const payloads = (fn: HandlerName) => calls.filter((c) => c.fn === fn).map((c) => c.payload);
    expect(payloads("fill-exclude-group").map((p) => p.cursor)).toEqual([
      null,
      fillCursor(100),
      fillCursor(200),
    ]);
    // The fill reads the very version start-targeted-job checked.
    expect(payloads("fill-exclude-group")[0]).toMatchObject({
      excludeListFileName: "excludeMyDemoThings.csv",
      staticGroupName: "myFirstJob-exclude",
      listVersion: { etag: "0f1e2d", versionId: "v1" },
    });
    // Within a pass the cursor is carried on; after a pass that did not confirm, the next pass starts afresh.
    expect(payloads("confirm-exclusions").map((p) => p.cursor)).toEqual([null, confirmCursor, null]);
    expect(payloads("create-target-group")[0]).toEqual({
      groupName: "myFirstJob",
      queryString: plan(true).targetQuery,
    });
    expect(payloads("create-job")[0]).toMatchObject({
      targetGroupArn: "arn:aws:iot:us-east-1:000000000000:thinggroup/myFirstJob",
    });
    expect(payloads("fast-track").map((p) => p.cursor)).toEqual([null, searchCursor(100)]);
    expect(payloads("fast-track")[0]).toMatchObject({
      excludeGroupName: "myFirstJob-exclude",
      excludeListVersion: listVersion,
      updateValue: 1700000000000,
    });
    expect(output).toMatchObject({
      jobName: "myFirstJob",
      steps: { fastTrack: { done: true }, job: { outcome: "created" } },
    });
  });

  it("without a list goes straight from the index to the dynamic group, and waits before polling a changed index", async () => {
    const { order } = await execute(plan(false), {
      ...happyFakes,
      "ensure-indexing": () => ({
        changed: true,
        changes: ["thingIndexingMode: OFF -> REGISTRY_AND_SHADOW"],
        thingIndexingMode: "REGISTRY_AND_SHADOW",
      }),
    });
    expect(order).toEqual([
      "ensure-indexing",
      "index-status",
      "create-target-group",
      "create-job",
      "fast-track",
    ]);
  });

  it("retries a step that failed with a TransientError and carries on", async () => {
    const { order } = await execute(plan(true), {
      ...happyFakes,
      "fill-exclude-group": (_, n) => {
        if (n === 1) throw new TransientError("ThrottlingException: Rate exceeded");
        return fill(true);
      },
    });
    expect(order.filter((fn) => fn === "fill-exclude-group")).toHaveLength(2);
    expect(order.at(-1)).toBe("fast-track");
  });

  it("fails, targeting nothing, when the fill could not add every listed name (final failures after carrying)", async () => {
    const failure = {
      name: "dev7",
      reason:
        "gave up after 8 attempts: Rate exceeded (still failing after being retried in 3 more invocations)",
      error: "ThrottlingException",
      retryable: true,
    };
    const { order, output } = await execute(plan(true), {
      ...happyFakes,
      // A name still retried travels in the cursor (done: false); once it fails for good, it is counted.
      "fill-exclude-group": (_, n) =>
        n < 4
          ? fill(false, { ...fillCursor(300), retry: [{ item: "dev7", rounds: n }] })
          : { ...fill(true, null, { added: 299, failed: 1 }), failures: [failure] },
    });
    expect(order).toEqual([
      "ensure-indexing",
      "index-status",
      "fill-exclude-group",
      "fill-exclude-group",
      "fill-exclude-group",
      "fill-exclude-group",
    ]);
    const failed = output.failed as Error;
    expect(String(failed.name)).toBe("ExclusionsIncomplete");
    expect(failed.message).toMatch(
      /^0 exclude-list lines are not thing names and 1 listed names could not be added to the exclude group; .* no dynamic group and no job were created/,
    );
    expect(failed.message).toContain(JSON.stringify([failure]));
  });

  it("fails, targeting nothing, when the index never reflects the exclusions", async () => {
    const { order, output } = await execute(plan(true), {
      ...happyFakes,
      "confirm-exclusions": () => confirmation(false),
    });
    expect(order.filter((fn) => fn === "confirm-exclusions")).toHaveLength(121);
    expect(order).not.toContain("create-target-group");
    expect(order).not.toContain("create-job");
    expect(String((output.failed as Error).name)).toBe("ExclusionsNotIndexed");
  });

  it("fails when the index never becomes ACTIVE", async () => {
    const { order, output } = await execute(plan(false), {
      ...happyFakes,
      "index-status": () => ({ indexStatus: "BUILDING", ready: false }),
    });
    expect(order.filter((fn) => fn === "index-status")).toHaveLength(241);
    expect(String((output.failed as Error).name)).toBe("IndexNotReady");
  });
});
