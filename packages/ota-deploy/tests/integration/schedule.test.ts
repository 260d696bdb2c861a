// The schedule queue against the emulator (moto's DynamoDB, whose item writes and transactions take turns as they
// are atomic on AWS, and its Step Functions, which stores executions): add-schedule queues only what could deploy
// and a bad submission changes nothing; two submissions in one millisecond are two entries; ten deployers at once
// claim one deployment once and start one execution; a start that keeps failing is retried, then failed with its
// reason; a claimer that crashed is recovered by a later run, its execution started once.
import { randomUUID } from "node:crypto";
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateThingCommand, CreateThingGroupCommand, IoTClient } from "@aws-sdk/client-iot";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateScheduleCommand, GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import {
  CreateStateMachineCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { awsClient } from "@fleet/shared-aws";
import { awsError, throttlingError } from "@fleet/shared-aws/testing";
import { afterEach, beforeAll, describe, expect, it, jest } from "@jest/globals";
import { addSchedule } from "../../src/core/add-schedule";
import { type DeployerResult, runDeployer } from "../../src/core/deployer";
import { parseDeploymentConfig } from "../../src/core/deployment-config";
import type { ScheduleListing } from "../../src/core/list-schedule";
import { firmwareKey } from "../../src/core/names";
import {
  fromItem,
  move,
  PARTITION_KEY,
  type QueueEntry,
  SORT_KEY,
  STATUS,
  toItem,
} from "../../src/core/schedule-queue";
import { uploadFirmware } from "../../src/core/upload";
import definition from "../../src/deploy.asl.json" with { type: "json" };
import {
  configureHandlers,
  createFirmwareBucket,
  firmwareFile,
  invoke,
  OTA_ROLE,
} from "../support/integration";

jest.setTimeout(120_000);
const BUCKET = "it-schedule-firmware";
const VERSION = "8.0.0";
const PREFIX = "sched";
const HISTORY_DAYS = 30;
const DAY_SECONDS = 24 * 60 * 60;
const db = awsClient(DynamoDBClient);
const sfn = awsClient(SFNClient);
const s3 = awsClient(S3Client);

interface Stack {
  table: string;
  stateMachineArn: string;
}

/**
 * The schedule table and a deploy state machine, named for this file. The handlers read their variables once, at
 * cold start, so every test uses this one stack and leaves its table empty for the next (afterEach).
 */
async function createStack(): Promise<Stack> {
  const id = randomUUID().slice(0, 8);
  const table = `schedule-${id}`;
  await db.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: PARTITION_KEY, KeyType: "HASH" },
        { AttributeName: SORT_KEY, KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: PARTITION_KEY, AttributeType: "S" },
        { AttributeName: SORT_KEY, AttributeType: "S" },
      ],
    }),
  );
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: `deploy-${id}`,
      definition: JSON.stringify(definition),
      roleArn: "arn:aws:iam::123456789012:role/deploy",
    }),
  );
  // A stack with an e-mail topic only (another test file's topics may be in the environment).
  configureHandlers(BUCKET, {
    SCHEDULE_TABLE: table,
    DEPLOY_STATE_MACHINE_ARN: stateMachineArn as string,
    EMAIL_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:it-schedule-email-notification",
    SMS_TOPIC_ARN: "",
    FORCE_STOP_TOPIC_ARN: "",
    // Not the default (90), so the handler is seen reading it.
    SCHEDULE_HISTORY_DAYS: String(HISTORY_DAYS),
  });
  return { table, stateMachineArn: stateMachineArn as string };
}

const config = (jobId: string, targets: Record<string, unknown> = { thingGroup: `${PREFIX}-group` }) => ({
  jobId,
  streamId: `${jobId}-stream`,
  release: VERSION,
  targets,
});

/** Every entry of the table, by status. */
async function table(name: string): Promise<Record<string, QueueEntry[]>> {
  const { Items = [] } = await db.send(new ScanCommand({ TableName: name, ConsistentRead: true }));
  const byStatus: Record<string, QueueEntry[]> = {};
  for (const entry of Items.map(fromItem))
    byStatus[entry.status] = [...(byStatus[entry.status] ?? []), entry];
  return byStatus;
}

/** The deploy executions started since the test began. */
async function executions(stateMachineArn: string): Promise<string[]> {
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
  return executions.map((e) => e.name as string).filter((name) => !startedBefore.has(name));
}
let startedBefore = new Set<string>();

const deployerDeps = (stack: Stack, overrides: Partial<Parameters<typeof runDeployer>[0]> = {}) => ({
  db,
  sfn,
  table: stack.table,
  stateMachineArn: stack.stateMachineArn,
  perRun: 1,
  maxAttempts: 3,
  leaseMs: 300_000,
  historyDays: 90,
  ...overrides,
});

let stack: Stack;

beforeAll(async () => {
  await createFirmwareBucket(BUCKET);
  stack = await createStack();
  const key = firmwareKey(VERSION, "app.bin");
  await uploadFirmware(s3, { bucket: BUCKET, key, file: firmwareFile("schedule.bin", 50_000) });
  await invoke("release", { version: VERSION, key });
  const iot = awsClient(IoTClient);
  await iot.send(new CreateThingGroupCommand({ thingGroupName: `${PREFIX}-group` }));
  for (const name of ["sched-1", "sched-2"]) await iot.send(new CreateThingCommand({ thingName: name }));
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "lists/good.txt", Body: "sched-1\nsched-2\n" }));
  await s3.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: "lists/bad.txt", Body: "sched-1\nnot a thing\n\nsched-2\n" }),
  );
});

afterEach(async () => {
  const { Items = [] } = await db.send(new ScanCommand({ TableName: stack.table, ConsistentRead: true }));
  for (const item of Items) {
    await db.send(
      new DeleteItemCommand({
        TableName: stack.table,
        Key: { [PARTITION_KEY]: item[PARTITION_KEY] as never, [SORT_KEY]: item[SORT_KEY] as never },
      }),
    );
  }
  startedBefore = new Set([...startedBefore, ...(await executions(stack.stateMachineArn))]);
});

describe("add-schedule", () => {
  it("queues a group, a list and named things as PendingDeployment entries, answering their ids", async () => {
    const answers = [
      await invoke<{ deploymentId: string; status: string }>("add-schedule", { config: config("grp") }),
      await invoke<{ deploymentId: string; status: string }>("add-schedule", {
        config: config("lst", { thingListKey: "lists/good.txt" }),
      }),
      await invoke<{ deploymentId: string; status: string }>("add-schedule", {
        config: config("things", { things: ["sched-1", "sched-2"] }),
      }),
    ];
    expect(answers[0]?.status).toBe(STATUS.pending);
    const { PendingDeployment = [] } = await table(stack.table);
    expect(PendingDeployment.map((e) => e.deploymentId).sort()).toEqual(
      answers.map((a) => a.deploymentId).sort(),
    );
    // The stored config is the validated one, defaults applied: the deploy execution's input, which its Plan
    // step reads back unchanged.
    const stored = JSON.parse(PendingDeployment[0]?.config as string);
    expect(stored).toMatchObject({ rounds: 1, cleanUp: true });
    expect(parseDeploymentConfig(stored)).toEqual(stored);
    await expect(invoke("plan-deployment", stored)).resolves.toMatchObject({
      config: { jobId: stored.jobId },
    });
  });

  it("two submissions in the same millisecond are two entries", async () => {
    const instant = new Date("2026-11-29T04:00:00.123Z");
    const deps = {
      s3,
      iot: awsClient(IoTClient),
      db,
      table: stack.table,
      bucket: BUCKET,
      otaRoleArn: OTA_ROLE,
      groupNamePrefix: "",
      allowedHosts: [],
      now: () => instant,
    };
    const [a, b] = await Promise.all([
      addSchedule(deps, config("same-a")),
      addSchedule(deps, config("same-b")),
    ]);
    expect(a.submittedAt).toBe(b.submittedAt);
    expect(a.deploymentId).not.toBe(b.deploymentId);
    const { PendingDeployment = [] } = await table(stack.table);
    expect(PendingDeployment.map((e) => e.jobId).sort()).toEqual(["same-a", "same-b"]);
  });

  it.each([
    [
      "a release never released",
      { ...config("norel"), release: "9.9.9" },
      /release: 9\.9\.9 is not released/,
    ],
    [
      "a field out of range",
      { ...config("range"), rounds: 0 },
      /rounds: must be a whole number from 1 to 40/,
    ],
    [
      "a missing group",
      config("nogroup", { thingGroup: "absent-group" }),
      /targets\.thingGroup: absent-group/,
    ],
    [
      "a missing list",
      config("nolist", { thingListKey: "lists/absent.txt" }),
      /targets\.thingListKey: .*does not exist/,
    ],
    [
      "a list line that is no thing name",
      config("badlist", { thingListKey: "lists/bad.txt" }),
      /targets\.thingListKey: 1 line\(s\).*line 2 "not a thing"/,
    ],
    [
      "a thing that does not exist",
      config("nothing", { things: ["sched-1", "ghost"] }),
      /targets\.things: ghost/,
    ],
    [
      "an alarm naming a topic this stack lacks",
      {
        ...config("notopic"),
        alarms: [
          {
            name: "Failures",
            metricName: "FAILEDCount",
            stat: "Sum",
            period: 60,
            threshold: 2,
            alarmType: "upper",
            evaluationPeriods: 1,
            topics: ["email-notification", "ota-force-stopper"],
          },
        ],
      },
      /alarms \(Failures\) topics: this stack has no ota-force-stopper topic/,
    ],
    [
      "more than 100 named things (they would go unchecked until the group fill)",
      config("many", { things: Array.from({ length: 101 }, (_, i) => `sched-${i}`) }),
      /targets\.things: 101 things, more than the 100 add-schedule checks by name; .*targets\.thingListKey/,
    ],
    [
      "a config too large for a deploy execution's input",
      config("huge", { things: Array.from({ length: 3000 }, (_, i) => `device-${"x".repeat(80)}-${i}`) }),
      /config: \d+ bytes, more than the 262144 a deploy execution takes/,
    ],
  ])("refuses %s, naming the field, and queues nothing", async (_, bad, message) => {
    await expect(invoke("add-schedule", { config: bad })).rejects.toThrow(message);
    expect(await table(stack.table)).toEqual({});
  });
});

describe("deployer", () => {
  it("ten deployers at once: one claims the deployment and starts one execution, the rest find nothing", async () => {
    const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
      config: config("race"),
    });
    expect((await table(stack.table)).PendingDeployment?.[0]).not.toHaveProperty("expiresAt");
    const before = Math.floor(Date.now() / 1000);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => invoke<DeployerResult>("deployer", {})),
    );
    const after = Math.floor(Date.now() / 1000);
    const deployed = results.flatMap((r) => r.deployed);
    expect(deployed.map((d) => d.deploymentId)).toEqual([deploymentId]);
    expect(results.flatMap((r) => [...r.failed, ...r.retrying])).toEqual([]);
    expect(await executions(stack.stateMachineArn)).toEqual([deploymentId]);
    const entries = await table(stack.table);
    expect(Object.keys(entries)).toEqual([STATUS.deployed]);
    expect(entries.Deployed?.[0]).toMatchObject({ deploymentId, executionArn: deployed[0]?.executionArn });
    // Kept SCHEDULE_HISTORY_DAYS from the moment it settled (within this run), then the table's TTL deletes it.
    const expiresAt = entries.Deployed?.[0]?.expiresAt as number;
    expect(expiresAt).toBeGreaterThanOrEqual(before + HISTORY_DAYS * DAY_SECONDS);
    expect(expiresAt).toBeLessThanOrEqual(after + HISTORY_DAYS * DAY_SECONDS);
  });

  it("five pending, ten deployers at once: each deployment is started exactly once, five runs find nothing", async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4, 5]) {
      ids.push(
        (await invoke<{ deploymentId: string }>("add-schedule", { config: config(`many-${n}`) }))
          .deploymentId,
      );
    }
    const results = await Promise.all(
      Array.from({ length: 10 }, () => invoke<DeployerResult>("deployer", {})),
    );
    expect(results.flatMap((r) => r.deployed.map((d) => d.deploymentId)).sort()).toEqual(ids.sort());
    expect(results.filter((r) => r.deployed.length === 0)).toHaveLength(5);
    expect((await executions(stack.stateMachineArn)).sort()).toEqual(ids.sort());
    expect((await table(stack.table)).Deployed).toHaveLength(5);
  });

  it("deploys the oldest pending deployment first, one per run, and counts the rollouts running after each run", async () => {
    const first = await invoke<{ deploymentId: string }>("add-schedule", { config: config("older") });
    const second = await invoke<{ deploymentId: string }>("add-schedule", { config: config("newer") });
    type Run = DeployerResult & { rolloutsInProgress: number };
    const run1 = await invoke<Run>("deployer", {});
    expect(run1.deployed.map((d) => d.deploymentId)).toEqual([first.deploymentId]);
    const run2 = await invoke<Run>("deployer", {});
    expect(run2.deployed.map((d) => d.deploymentId)).toEqual([second.deploymentId]);
    const run3 = await invoke<Run>("deployer", {});
    expect(run3.deployed).toEqual([]);
    // Earlier tests' executions still run (moto never ends them): each start adds one, a run without starts none.
    const { executions: running = [] } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, statusFilter: "RUNNING" }),
    );
    expect([run1, run2, run3].map((r) => r.rolloutsInProgress)).toEqual([
      running.length - 1,
      running.length,
      running.length,
    ]);
  });

  it("a claim that crashed its deployer MAX_START_ATTEMPTS times is Failed with why, and a pending one behind it starts in the same run", async () => {
    const stuck = await invoke<{ deploymentId: string }>("add-schedule", { config: config("crashes") });
    const next = await invoke<{ deploymentId: string }>("add-schedule", { config: config("behind") });
    const entries = (await table(stack.table)).PendingDeployment as QueueEntry[];
    const pending = entries.find((e) => e.deploymentId === stuck.deploymentId) as QueueEntry;
    const t0 = Date.now();
    const claim = { ...pending, status: STATUS.claimed, claimToken: "crashed", leaseUntil: t0, attempts: 3 };
    expect(await move({ db, table: stack.table }, pending, claim)).toBe(true);
    const result = await runDeployer(deployerDeps(stack, { now: () => t0 + 1 }));
    expect(result.failed).toEqual([
      {
        deploymentId: stuck.deploymentId,
        reason: "claim expired 3 times: the deployer crashed or timed out while starting it",
      },
    ]);
    expect(result.deployed.map((d) => d.deploymentId)).toEqual([next.deploymentId]);
    expect(await executions(stack.stateMachineArn)).toEqual([next.deploymentId]);
    const settled = await table(stack.table);
    expect(settled.Failed?.[0]).toMatchObject({
      deploymentId: stuck.deploymentId,
      expiresAt: Math.floor((t0 + 1) / 1000) + 90 * DAY_SECONDS,
    });
    // The deployment started in the same run settled then too.
    expect(settled.Deployed?.[0]?.expiresAt).toBe(Math.floor((t0 + 1) / 1000) + 90 * DAY_SECONDS);
  });

  it("a claim whose last deployer crashed after starting it is recorded Deployed, not Failed", async () => {
    const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
      config: config("crashed-late"),
    });
    const [pending] = (await table(stack.table)).PendingDeployment as QueueEntry[];
    const t0 = Date.now();
    const claim = {
      ...(pending as QueueEntry),
      status: STATUS.claimed,
      claimToken: "x",
      leaseUntil: t0,
      attempts: 3,
    };
    expect(await move({ db, table: stack.table }, pending as QueueEntry, claim)).toBe(true);
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArn,
        name: deploymentId,
        input: claim.config,
      }),
    );
    const result = await runDeployer(deployerDeps(stack, { now: () => t0 + 1 }));
    expect(result.deployed.map((d) => d.deploymentId)).toEqual([deploymentId]);
    expect(Object.keys(await table(stack.table))).toEqual([STATUS.deployed]);
    expect(await executions(stack.stateMachineArn)).toEqual([deploymentId]);
  });

  it("a queue item that is not an entry is skipped and reported by its key; one with an unknown attribute still deploys", async () => {
    const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
      config: config("annotated"),
    });
    const [pending] = (await table(stack.table)).PendingDeployment as QueueEntry[];
    // An operator's console note on the good entry, and an older item missing most of an entry's attributes.
    await db.send(
      new PutItemCommand({
        TableName: stack.table,
        Item: { ...toItem(pending as QueueEntry), note: { S: "ok to ship" } },
      }),
    );
    const broken = "20000101T000000000Z-00000000000000000000";
    await db.send(
      new PutItemCommand({
        TableName: stack.table,
        Item: { [PARTITION_KEY]: { S: STATUS.pending }, [SORT_KEY]: { S: broken }, attempts: { S: "one" } },
      }),
    );
    const result = await invoke<DeployerResult>("deployer", {});
    expect(result.malformed).toEqual([
      { status: STATUS.pending, deploymentId: broken, problem: expect.stringMatching(/attempts/) },
    ]);
    expect(result.deployed.map((d) => d.deploymentId)).toEqual([deploymentId]);
    const listing = await invoke<ScheduleListing>("list-schedule", { status: STATUS.pending });
    expect(listing.malformed.map((m) => m.deploymentId)).toEqual([broken]);
  });

  it("a settle that loses to a TransactionConflict leaves the claim until its lease ends; the re-drive records it once", async () => {
    const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
      config: config("conflict"),
    });
    // DynamoDB cancelling the settling transaction (another transaction held the item), which moto cannot be made
    // to do: the first Deployed put is answered as AWS would, every other request goes to the emulator.
    let conflicts = 0;
    const conflicted = {
      send: (command: unknown) => {
        const put = (command as TransactWriteItemsCommand).input?.TransactItems?.[1]?.Put?.Item?.status?.S;
        if (command instanceof TransactWriteItemsCommand && put === STATUS.deployed && conflicts++ === 0) {
          return Promise.reject(
            Object.assign(awsError("TransactionCanceledException", 400), {
              CancellationReasons: [{ Code: "TransactionConflict" }, { Code: "None" }],
            }),
          );
        }
        return db.send(command as never);
      },
    } as unknown as DynamoDBClient;
    const t0 = Date.now();
    const first = await runDeployer(deployerDeps(stack, { db: conflicted, now: () => t0 }));
    expect(first.deployed).toEqual([]);
    expect((await table(stack.table)).Claimed?.[0]).toMatchObject({ deploymentId, attempts: 1 });
    const during = await runDeployer(deployerDeps(stack, { db: conflicted, now: () => t0 + 299_999 }));
    expect(during.deployed).toEqual([]);
    const after = await runDeployer(deployerDeps(stack, { db: conflicted, now: () => t0 + 300_001 }));
    expect(after.deployed.map((d) => d.deploymentId)).toEqual([deploymentId]);
    expect(await executions(stack.stateMachineArn)).toEqual([deploymentId]);
    const settled = await table(stack.table);
    expect(Object.keys(settled)).toEqual([STATUS.deployed]);
    expect(settled.Deployed).toHaveLength(1);
  });

  it("a start that keeps failing for a reason that may pass is retried by later runs, then failed with its reason", async () => {
    const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
      config: config("flaky"),
    });
    // Step Functions throttling every start, which moto cannot be made to do: a client answering as AWS would.
    const throttled = { send: async () => Promise.reject(throttlingError()) } as unknown as SFNClient;
    let clock = Date.now();
    const run = () => runDeployer(deployerDeps(stack, { sfn: throttled, now: () => clock }));
    for (const attempt of [1, 2]) {
      expect((await run()).retrying).toEqual([expect.objectContaining({ deploymentId, attempts: attempt })]);
      expect((await table(stack.table)).Claimed?.[0]?.lastError).toMatch(/ThrottlingException/);
      clock += 1;
    }
    expect((await run()).failed).toEqual([
      {
        deploymentId,
        reason: expect.stringMatching(/gave up after 3 attempts.*ThrottlingException: Rate exceeded/),
      },
    ]);
    const entries = await table(stack.table);
    expect(Object.keys(entries)).toEqual([STATUS.failed]);
    expect(entries.Failed?.[0]?.attempts).toBe(3);
    expect(await executions(stack.stateMachineArn)).toEqual([]);
  });

  it("a start refused for good (no such state machine) is failed at once with the reason", async () => {
    const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
      config: config("gone"),
    });
    const missing = stack.stateMachineArn.replace(/deploy-[^:]+$/, "no-such-machine");
    const result = await runDeployer(deployerDeps(stack, { stateMachineArn: missing }));
    expect(result.failed).toEqual([
      { deploymentId, reason: expect.stringMatching(/^StateMachineDoesNotExist/) },
    ]);
    expect(Object.keys(await table(stack.table))).toEqual([STATUS.failed]);
  });

  it.each([
    ["before it started the execution", false],
    ["after it started the execution", true],
  ])(
    "a deployer that crashed %s is recovered once its lease ends, one execution in all",
    async (_, started) => {
      const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
        config: config("crash"),
      });
      const [pending] = (await table(stack.table)).PendingDeployment as QueueEntry[];
      const t0 = Date.now();
      // What the crashed deployer left: its claim (and, maybe, the execution it started).
      const claim = {
        ...(pending as QueueEntry),
        status: STATUS.claimed,
        claimToken: "crashed",
        leaseUntil: t0 + 300_000,
        attempts: 1,
      };
      expect(await move({ db, table: stack.table }, pending as QueueEntry, claim)).toBe(true);
      if (started) {
        await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: stack.stateMachineArn,
            name: deploymentId,
            input: claim.config,
          }),
        );
      }
      const during = await runDeployer(deployerDeps(stack, { now: () => t0 + 299_999 }));
      expect(during).toEqual({ deployed: [], failed: [], retrying: [], malformed: [] });
      const after = await runDeployer(deployerDeps(stack, { now: () => t0 + 300_001 }));
      expect(after.deployed.map((d) => d.deploymentId)).toEqual([deploymentId]);
      expect(await executions(stack.stateMachineArn)).toEqual([deploymentId]);
      expect((await table(stack.table)).Deployed?.[0]?.attempts).toBe(2);
    },
  );

  it("a start IAM refuses (not worth retrying) is failed at once with AWS's message", async () => {
    const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
      config: config("denied"),
    });
    const denied = {
      send: async () => Promise.reject(awsError("AccessDeniedException", 400, "not authorized")),
    };
    const result = await runDeployer(deployerDeps(stack, { sfn: denied as unknown as SFNClient }));
    expect(result.failed).toEqual([{ deploymentId, reason: "AccessDeniedException: not authorized" }]);
  });
});

describe("list-schedule", () => {
  it("pages one status's deployments oldest first, without their configs, and shows why one failed", async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      ids.push(
        (await invoke<{ deploymentId: string }>("add-schedule", { config: config(`list-${n}`) }))
          .deploymentId,
      );
    }
    const first = await invoke<ScheduleListing>("list-schedule", { limit: 2 });
    expect(first.deployments.map((d) => d.deploymentId)).toEqual(ids.slice(0, 2));
    expect(first.deployments[0]).not.toHaveProperty("config");
    expect(first.deployments[0]).not.toHaveProperty("expiresAt");
    const second = await invoke<ScheduleListing>("list-schedule", { limit: 2, after: first.next });
    expect(second.deployments.map((d) => d.deploymentId)).toEqual(ids.slice(2));
    const missing = stack.stateMachineArn.replace(/deploy-[^:]+$/, "no-such-machine");
    await runDeployer(deployerDeps(stack, { stateMachineArn: missing }));
    const failed = await invoke<ScheduleListing>("list-schedule", { status: STATUS.failed });
    expect(failed.deployments).toEqual([
      expect.objectContaining({
        deploymentId: ids[0],
        jobId: "list-1",
        reason: expect.stringMatching(/^StateMachineDoesNotExist/),
        expiresAt: expect.any(Number),
      }),
    ]);
  });

  it("refuses an unknown status, naming the field", async () => {
    await expect(invoke("list-schedule", { status: "Done" })).rejects.toThrow(/status/);
  });
});

describe("the deployer's schedule", () => {
  it("is stored as infra creates it (moto never fires it), and the event it sends is one the deployer runs on", async () => {
    const scheduler = awsClient(SchedulerClient);
    const name = "fleet-dev-ota-deploy-schedule";
    // infra/src/components/deploy-schedule.ts's schedule, as the Scheduler API takes it.
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        ScheduleExpression: "rate(2 minutes)",
        FlexibleTimeWindow: { Mode: "OFF" },
        State: "ENABLED",
        Target: {
          Arn: "arn:aws:lambda:us-east-1:123456789012:function:fleet-dev-ota-deploy-deployer",
          RoleArn: "arn:aws:iam::123456789012:role/fleet/dev/fleet-dev-ota-deploy-schedule-role",
          Input: "{}",
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
        },
      }),
    );
    const stored = await scheduler.send(new GetScheduleCommand({ Name: name }));
    expect(stored).toMatchObject({
      ScheduleExpression: "rate(2 minutes)",
      State: "ENABLED",
      Target: { Arn: expect.stringMatching(/:function:fleet-dev-ota-deploy-deployer$/), Input: "{}" },
    });
    const { deploymentId } = await invoke<{ deploymentId: string }>("add-schedule", {
      config: config("tick"),
    });
    const run = await invoke<DeployerResult>("deployer", JSON.parse(stored.Target?.Input as string));
    expect(run.deployed.map((d) => d.deploymentId)).toEqual([deploymentId]);
  });
});
