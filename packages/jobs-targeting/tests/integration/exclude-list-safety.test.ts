// The repro, end to end against the emulator: an exclude list saved as UTF-16 (as spreadsheet tools
// export "Unicode text") now excludes exactly the devices it lists, and a list that is not all thing names (or
// has none) is refused before any job exists. Also: fast-track refuses a list changed after the fill, a list
// swapped for an unusable one between the start and the fill stops the state machine without leaving an
// empty group, and two starts of the same job at the same instant start one execution.
import { DescribeThingGroupCommand, IoTClient, ListThingsInThingGroupCommand } from "@aws-sdk/client-iot";
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateStateMachineCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { awsClient, ConflictError, ValidationError } from "@fleet/shared-aws";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { beforeAll, describe, expect, it, jest } from "@jest/globals";
import type { HandlerName } from "../../src/config";
import definition from "../../src/state-machine.asl.json" with { type: "json" };
import { type Call, callsPerThing, configureHandlers, invoke, recordCalls } from "../support/integration";

jest.setTimeout(120_000);
const BUCKET = "it-safe-lists";
const PREFIX = "itSafe";
const FLEET = Array.from({ length: 30 }, (_, i) => `${PREFIX}${i}`);
const EXCLUDED = FLEET.filter((_, i) => i % 3 === 0);
const QUERY = `thingName:${PREFIX}*`;
const ACCOUNT_ARN = "arn:aws:iot:us-east-1:123456789012";

/** "Unicode text" as spreadsheet tools save it: UTF-16 LE with a byte-order mark, CRLF line ends. */
const utf16le = (lines: string[], bom = true) =>
  new Uint8Array([...(bom ? [0xff, 0xfe] : []), ...Buffer.from(`${lines.join("\r\n")}\r\n`, "utf16le")]);

/** Stand-ins for the states whose AWS calls the emulator lacks. */
const substitutes = {
  "index-status": async () => ({ indexStatus: "ACTIVE", ready: true }),
  "create-target-group": async (payload: unknown) => {
    const { groupName } = payload as { groupName: string };
    return { groupName, groupArn: `${ACCOUNT_ARN}:thinggroup/${groupName}`, outcome: "created" };
  },
};
// Short clocks make the paced steps return cursors, so the loops (and the resumes) run.
const CLOCK_MS: Partial<Record<HandlerName, number>> = { "fill-exclude-group": 300, "fast-track": 400 };
const runLocally = (plan: unknown) =>
  runStateMachineLocally(
    definition,
    plan,
    (fn, payload) => invoke(fn as HandlerName, payload, CLOCK_MS[fn as HandlerName]),
    {
      substitutes,
    },
  );

interface Steps {
  steps: {
    fill: { counts: Record<string, number>; list: { etag: string; versionId: string | null } };
    confirm: { confirmed: boolean; members: number };
    fastTrack: { counts: Record<string, number> };
  };
}

const s3 = () => awsClient(S3Client);
const iot = () => awsClient(IoTClient);
const put = (key: string, body: Uint8Array) =>
  s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const start = (jobName: string, excludeListFileName: string) =>
  invoke<{ executionArn: string; alreadyRunning: boolean; plan: unknown }>("start-targeted-job", {
    jobName,
    fleetIndexQuery: QUERY,
    excludeListFileName,
  });
const groupExists = (thingGroupName: string) =>
  iot()
    .send(new DescribeThingGroupCommand({ thingGroupName }))
    .then(
      () => true,
      (error: Error) => (error.name === "ResourceNotFoundException" ? false : Promise.reject(error)),
    );

let calls: Call[];
let stateMachineArn: string;
/** The list version the repro's fill read. */
let pinned: Steps["steps"]["fill"]["list"];

beforeAll(async () => {
  await s3().send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3().send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Enabled" } }),
  );
  await put("unicode-text.txt", utf16le(EXCLUDED));
  await put("no-bom.txt", utf16le(EXCLUDED, false));
  await put("blank.txt", utf16le(["", "   "]));
  const created = await awsClient(SFNClient).send(
    new CreateStateMachineCommand({
      name: "it-safe",
      definition: JSON.stringify(definition),
      roleArn: "arn:aws:iam::123456789012:role/it-safe",
    }),
  );
  stateMachineArn = created.stateMachineArn as string;
  configureHandlers(BUCKET, {
    STATE_MACHINE_ARN: stateMachineArn,
    ADD_THING_TO_GROUP_RATE: "40",
    SHADOW_UPDATE_RATE: "150",
  });
  const seeded = await invoke<{ counts: Record<string, number> }>("seed-things", {
    mode: "seed",
    demoThingPrefix: PREFIX,
    seedConfigNumber: FLEET.length,
  });
  expect(seeded.counts.created).toBe(FLEET.length);
  calls = await recordCalls();
});

describe("exclude lists against the emulator", () => {
  it("a UTF-16 list (the repro) excludes exactly the devices it lists: start, fill, confirm, fast-track", async () => {
    const { plan } = await start("itSafeRepro", "unicode-text.txt");
    const output = (await runLocally(plan)) as Steps;
    expect(output.steps.fill.counts).toEqual({ added: 10, missing: 0, invalid: 0, duplicate: 0, failed: 0 });
    expect(output.steps.fill.list.versionId).toEqual(expect.any(String));
    pinned = output.steps.fill.list;
    expect(output.steps.confirm).toMatchObject({ confirmed: true, members: 10 });
    expect(output.steps.fastTrack.counts).toEqual({ matched: 30, excluded: 10, updated: 20, failed: 0 });

    const members = await iot().send(
      new ListThingsInThingGroupCommand({ thingGroupName: "itSafeRepro-exclude" }),
    );
    expect((members.things ?? []).sort()).toEqual([...EXCLUDED].sort());
    const written = callsPerThing(calls, "UpdateThingShadowCommand");
    expect([...written.keys()].sort()).toEqual(FLEET.filter((name) => !EXCLUDED.includes(name)).sort());
  });

  it("fast-track refuses the list once it changed after the fill, and writes nothing", async () => {
    await put("unicode-text.txt", utf16le(EXCLUDED.slice(1)));
    calls.length = 0;
    const refused = invoke("fast-track", {
      queryString: QUERY,
      excludeGroupName: "itSafeRepro-exclude",
      excludeListFileName: "unicode-text.txt",
      excludeListVersion: pinned,
      updateKey: "updateKey",
      updateValue: 1,
    });
    await expect(refused).rejects.toHaveProperty("name", ConflictError.name);
    await expect(refused).rejects.toThrow(/changed since the exclude group was filled from it \(version /);
    expect(calls.filter((call) => call.command === "UpdateThingShadowCommand")).toEqual([]);
  });

  it("a list that is not all thing names, or has none, is refused at the start: no execution, no group", async () => {
    const invalid = start("itSafeNoBom", "no-bom.txt");
    await expect(invalid).rejects.toHaveProperty("name", "ExclusionsIncomplete");
    await expect(invalid).rejects.toThrow(
      /line\(s\) are not thing names.*line 1: not a thing name \(it contains NUL characters: UTF-16 saved without a byte-order mark\?/,
    );
    const blank = start("itSafeBlank", "blank.txt");
    await expect(blank).rejects.toHaveProperty("name", ValidationError.name);
    await expect(blank).rejects.toThrow(`s3://${BUCKET}/blank.txt holds no thing names`);

    const { executions = [] } = await awsClient(SFNClient).send(
      new ListExecutionsCommand({ stateMachineArn }),
    );
    expect(executions.filter((e) => /^itSafe(NoBom|Blank)-/.test(e.name ?? ""))).toEqual([]);
    expect(await groupExists("itSafeNoBom-exclude")).toBe(false);
    expect(await groupExists("itSafeBlank-exclude")).toBe(false);
  });

  it("a list swapped after the start stops the state machine at the fill, before any group exists: the fill reads only the version the start checked", async () => {
    await put("swapped.txt", utf16le(EXCLUDED));
    const { plan } = await start("itSafeSwapped", "swapped.txt");
    await put("swapped.txt", utf16le(["bad name 1", "bad name 2"]));
    const failure = await runLocally(plan).then(
      () => undefined,
      (error: Error) => (error.cause ?? error) as Error,
    );
    expect(failure?.name).toBe(ConflictError.name);
    expect(failure?.message).toMatch(/changed since the job was started/);
    expect(await groupExists("itSafeSwapped-exclude")).toBe(false);
    expect(await groupExists("itSafeSwapped")).toBe(false);
  });

  it("two starts of the same job at the same instant start one execution (the emulator keeps execution names as AWS does)", async () => {
    const [a, b] = await Promise.all([
      start("itSafeTwice", "unicode-text.txt"),
      start("itSafeTwice", "unicode-text.txt"),
    ]);
    // Planned in the same millisecond, both inputs are identical and StartExecution returns the one execution
    // to both; otherwise the second gets ExecutionAlreadyExists and returns the first's as already running.
    expect(b.executionArn).toBe(a.executionArn);
    const { executions = [] } = await awsClient(SFNClient).send(
      new ListExecutionsCommand({ stateMachineArn }),
    );
    expect(executions.filter((e) => e.name?.startsWith("itSafeTwice-")).map((e) => e.executionArn)).toEqual([
      a.executionArn,
    ]);
  });

  it("teardown leaves nothing", async () => {
    for (const jobName of ["itSafeRepro", "itSafeSwapped", "itSafeTwice"])
      await expect(invoke("teardown", { jobName })).resolves.toMatchObject({ done: true });
    await expect(invoke("teardown", { jobName: "itSafeRepro", thingPrefix: PREFIX })).resolves.toMatchObject({
      things: { counts: { deleted: FLEET.length } },
    });
  });
});
