// The real definition, run locally (aws-local-stepfunctions) with the real handlers against the emulator, from
// the plan start-targeted-job builds: proves every payload mapping and loop end to end. Only the two states
// whose AWS calls the emulator lacks are stood in for, here in the test (DescribeIndex, CreateDynamicThingGroup).
import { DescribeJobCommand, IoTClient } from "@aws-sdk/client-iot";
import { CreateStateMachineCommand, SFNClient } from "@aws-sdk/client-sfn";
import { awsClient } from "@fleet/shared-aws";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { beforeAll, describe, expect, it, jest } from "@jest/globals";
import type { HandlerName } from "../../src/config";
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
const BUCKET = "it-sm-lists";
const PREFIX = "itSm";
const JOB = "itSmJob";
const FLEET = Array.from({ length: 200 }, (_, i) => `${PREFIX}${i}`);
const EXCLUDED = FLEET.filter((_, i) => i % 7 === 0);
const ACCOUNT_ARN = "arn:aws:iot:us-east-1:123456789012";

/** Stand-ins for the states whose AWS calls the emulator lacks. */
const EMULATOR_LACKS: Partial<Record<HandlerName, (payload: Record<string, unknown>) => unknown>> = {
  "index-status": () => ({ indexStatus: "ACTIVE", ready: true }),
  "create-target-group": (payload) => ({
    groupName: payload.groupName,
    groupArn: `${ACCOUNT_ARN}:thinggroup/${payload.groupName}`,
    outcome: "created",
  }),
};
// Short clocks make the paced steps return cursors, so the state machine's loops run.
const CLOCK_MS: Partial<Record<HandlerName, number>> = { "fill-exclude-group": 400, "fast-track": 600 };

let calls: Call[];
beforeAll(async () => {
  configureHandlers(BUCKET, { ADD_THING_TO_GROUP_RATE: "40", SHADOW_UPDATE_RATE: "150" });
  await createBucketWith(BUCKET, { "exclude.csv": `${EXCLUDED.join("\n")}\n` });
  const seeded = await invoke<{ counts: Record<string, number> }>("seed-things", {
    mode: "seed",
    demoThingPrefix: PREFIX,
    seedConfigNumber: FLEET.length,
  });
  expect(seeded.counts.created).toBe(FLEET.length);
  const created = await awsClient(SFNClient).send(
    new CreateStateMachineCommand({
      name: "it-sm",
      definition: JSON.stringify(definition),
      roleArn: "arn:aws:iam::123456789012:role/it-sm",
    }),
  );
  process.env.STATE_MACHINE_ARN = created.stateMachineArn;
  calls = await recordCalls();
});

describe("the state machine with the real handlers, locally, against the emulator", () => {
  it("runs from the start handler's plan to a fast-tracked job, exclusions confirmed first, looping on cursors", async () => {
    const { plan } = await invoke<{ plan: unknown }>("start-targeted-job", {
      jobName: JOB,
      fleetIndexQuery: `thingName:${PREFIX}*`,
      excludeListFileName: "exclude.csv",
    });
    const order: string[] = [];
    const record =
      (run: (fn: HandlerName, payload: Record<string, unknown>) => unknown) =>
      async (fn: string, payload: unknown) => {
        order.push(fn);
        return run(fn as HandlerName, payload as Record<string, unknown>);
      };
    const standIn = (fn: string) => (payload: unknown) =>
      record((name, p) => (EMULATOR_LACKS[name] as (p: Record<string, unknown>) => unknown)(p))(fn, payload);
    const output = (await runStateMachineLocally(
      definition,
      plan,
      record((fn, payload) => invoke(fn, payload, CLOCK_MS[fn])),
      {
        substitutes: {
          "index-status": standIn("index-status"),
          "create-target-group": standIn("create-target-group"),
        },
      },
    )) as {
      steps: Record<string, { done?: boolean; counts?: Record<string, number>; confirmed?: boolean }>;
    };

    const firstOf = (fn: string) => order.indexOf(fn);
    expect(order.filter((fn) => fn === "fill-exclude-group").length).toBeGreaterThan(1);
    expect(order.filter((fn) => fn === "fast-track").length).toBeGreaterThan(1);
    expect(order.lastIndexOf("confirm-exclusions")).toBeLessThan(firstOf("create-target-group"));
    expect(firstOf("create-target-group")).toBeLessThan(firstOf("create-job"));
    expect(output.steps.confirm).toMatchObject({ done: true, confirmed: true });
    expect(output.steps.fill?.counts).toMatchObject({
      added: EXCLUDED.length,
      missing: 0,
      invalid: 0,
      failed: 0,
    });
    expect(output.steps.fastTrack?.counts).toEqual({
      matched: FLEET.length,
      excluded: EXCLUDED.length,
      updated: FLEET.length - EXCLUDED.length,
      failed: 0,
    });

    const writes = callsPerThing(calls, "UpdateThingShadowCommand");
    expect([...writes.keys()].sort()).toEqual(FLEET.filter((name) => !EXCLUDED.includes(name)).sort());
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
    const { job } = await awsClient(IoTClient).send(new DescribeJobCommand({ jobId: JOB }));
    expect(job).toMatchObject({
      targets: [`${ACCOUNT_ARN}:thinggroup/${JOB}`],
      targetSelection: "CONTINUOUS",
    });

    const teardown = await invoke("teardown", { jobName: JOB, thingPrefix: PREFIX });
    expect(teardown).toMatchObject({
      done: true,
      job: "deleted",
      excludeGroup: "deleted",
      things: { counts: { deleted: FLEET.length } },
    });
  });
});
