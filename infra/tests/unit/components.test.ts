// Components check their arguments before creating anything: each bad argument yields a message naming it,
// and no AWS resource is registered.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LambdaHandlerSpec, PackageManifest } from "@fleet/manifest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import * as pulumi from "@pulumi/pulumi";
import { Alerts } from "../../src/components/alerts";
import {
  deployHandlerPackage,
  type HandlerPackageArgs,
  planHandlerPackage,
} from "../../src/components/handler-package";
import { JobsTargeting } from "../../src/components/jobs-targeting";
import { NodeLambda } from "../../src/components/node-lambda";
import { createPackageResources } from "../../src/components/package-resources";
import { SecureBucket } from "../../src/components/secure-bucket";
import { allow, arnOf, type PermissionContext } from "../../src/policies/document";
import { RESOURCE_KINDS } from "../../src/resource-kinds";
import { RecordingMocks } from "../../tools/mocks";

const mocks = new RecordingMocks("eu-west-1");
const awsResources = () => mocks.resources.filter((r) => r.custom);

const spec = (env: LambdaHandlerSpec["env"] = {}): LambdaHandlerSpec => ({
  entry: "src/handlers/x.ts",
  description: "test handler",
  timeoutSeconds: 30,
  memoryMb: 256,
  env,
});
const machineArn = { required: true, description: "the state machine", resource: "flow" };
// An entry handler starting executions, a teardown stopping them (both read the state machine's ARN), a step
// reading the package's bucket and table, and a state machine calling the step.
const demo: PackageManifest = {
  name: "demo",
  packageDir: "packages/demo",
  resources: {
    files: { kind: "bucket", description: "files" },
    ledger: { kind: "table", description: "ledger", partitionKey: "id", sortKey: "at" },
  },
  handlers: {
    start: spec({ MACHINE_ARN: machineArn }),
    stop: spec({ MACHINE_ARN: machineArn, RATE: { required: false, description: "calls per second" } }),
    step: spec({
      FILES_BUCKET: { required: true, description: "files", resource: "files" },
      LEDGER_TABLE: { required: true, description: "ledger", resource: "ledger" },
    }),
  },
  stateMachines: {
    flow: {
      description: "calls step",
      definition: { StartAt: "S", States: { S: { Type: "Task", Resource: "${step}", End: true } } },
    },
  },
};
const noStatements = { start: () => [], stop: () => [], step: () => [] };
const args = (overrides: Partial<HandlerPackageArgs> = {}): HandlerPackageArgs => ({
  manifest: demo,
  permissions: noStatements,
  repoRoot,
  logRetentionDays: 30,
  rates: {},
  settings: {},
  namePrefix: "fleet-test-",
  iot: { thingNamePrefix: "test-", groupNamePrefix: "fleet-" },
  testFleetTools: true,
  ...overrides,
});

let repoRoot: string;
class Parent extends pulumi.ComponentResource {
  constructor(name: string) {
    super("test:index:Parent", name);
  }
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(mocks, "fleet", "test", false);
  // A repository with the demo package built, and no jobs-targeting bundles at all.
  repoRoot = mkdtempSync(path.join(tmpdir(), "infra-components-"));
  for (const handler of Object.keys(demo.handlers)) {
    mkdirSync(path.join(repoRoot, demo.packageDir, "dist", handler), { recursive: true });
    writeFileSync(
      path.join(repoRoot, demo.packageDir, "dist", handler, "index.mjs"),
      "export const handler = () => 1;\n",
    );
  }
});
beforeEach(() => {
  mocks.resources.length = 0;
});
afterAll(() => rmSync(repoRoot, { recursive: true, force: true }));

describe("NodeLambda", () => {
  const args = {
    spec: spec({ BUCKET: { required: true, description: "b" } }),
    bundleDir: "/nowhere",
    statements: [],
    environment: { BUCKET: "b" },
    logRetentionDays: 30,
  };

  it.each([
    [
      "64 MB",
      { spec: { ...args.spec, memoryMb: 64 } },
      "memoryMb must be an integer from 128 to 10240, got 64",
    ],
    [
      "901 s",
      { spec: { ...args.spec, timeoutSeconds: 901 } },
      "timeoutSeconds must be an integer from 1 to 900, got 901",
    ],
    [
      "a retention CloudWatch lacks",
      { logRetentionDays: 10 },
      "logRetentionDays must be one of 1, 3, 5, 7, 14, 30",
    ],
    ["a missing required variable", { environment: {} }, "required environment variables not set: BUCKET"],
    [
      "an undeclared variable",
      { environment: { BUCKET: "b", BUCKIT: "c" } },
      "environment variables the handler does not read: BUCKIT",
    ],
  ])("refuses %s", (_case, override, message) => {
    expect(() => new NodeLambda("bad", { ...args, ...override })).toThrow(message);
    expect(awsResources()).toEqual([]);
  });

  it("refuses a name whose generated role name would be longer than IAM allows", () => {
    const name = "fleet-staging-ota-deploy-confirm-rollout-completed-step";
    expect(() => new NodeLambda(name, args)).toThrow(
      `the role name ${name}-role-xxxxxxx would have 68 characters, more than the 64 AWS allows`,
    );
    expect(awsResources()).toEqual([]);
  });
});

describe("planHandlerPackage", () => {
  it("refuses a handler without IAM statements, and statements for an unknown handler", () => {
    const attempt = () =>
      planHandlerPackage(args({ permissions: { start: () => [], stop: () => [], stray: () => [] } }));
    expect(attempt).toThrow("no IAM statements for handler step");
    expect(attempt).toThrow("IAM statements for unknown handler stray");
  });

  it("refuses a manifest that contradicts itself: a state machine step reading that state machine's ARN", () => {
    const looping = { ...demo, handlers: { ...demo.handlers, step: spec({ MACHINE_ARN: machineArn }) } };
    expect(() => planHandlerPackage(args({ manifest: looping }))).toThrow(
      "demo: step is a state machine step and cannot read the ARN of state machine flow",
    );
  });

  it("refuses statements naming a resource the handler's manifest entry does not use", () => {
    const permissions = {
      ...noStatements,
      start: (context: PermissionContext) => [allow(["s3:GetObject"], [`${arnOf(context, "files")}/*`])],
    };
    expect(() => planHandlerPackage(args({ permissions }))).toThrow(
      "demo: start's statements refer to files, which its manifest entry does not use",
    );
  });

  it("refuses a configured setting no handler reads, and one that carries a resource", () => {
    const attempt = () =>
      planHandlerPackage(args({ rates: { RAET: 5, RATE: 5 }, settings: { FILES_BUCKET: "mine" } }));
    expect(attempt).toThrow("RAET is read by no demo handler");
    expect(attempt).toThrow("FILES_BUCKET is set by infra, not config");
    expect(() => planHandlerPackage(args({ rates: { RATE: 5 } }))).not.toThrow();
  });

  it("refuses a required variable nothing supplies, and accepts it from infra's lookups", () => {
    const needsEndpoint = {
      ...demo,
      handlers: { ...demo.handlers, start: spec({ ENDPOINT: { required: true, description: "endpoint" } }) },
    };
    expect(() => planHandlerPackage(args({ manifest: needsEndpoint }))).toThrow(
      "start requires ENDPOINT, which nothing supplies",
    );
    expect(() =>
      planHandlerPackage(args({ manifest: needsEndpoint, supplied: { ENDPOINT: "e.example.com" } })),
    ).not.toThrow();
  });

  it("refuses handlers whose bundles were not built, naming the build command", () => {
    expect(() => planHandlerPackage(args({ repoRoot: path.join(repoRoot, "elsewhere") }))).toThrow(
      /Bundle of demo\/start not found at .*index\.mjs: run `pnpm build` first/,
    );
  });

  it("plans a valid package: its bundles, the steps of its state machines, its settings as strings", () => {
    const plan = planHandlerPackage(args({ rates: { RATE: 5 } }));
    expect(plan.handlers.map(({ name, bundleDir, step }) => ({ name, bundleDir, step }))).toEqual(
      ["start", "step", "stop"].map((name) => ({
        name,
        bundleDir: path.join(repoRoot, "packages/demo/dist", name),
        step: name === "step",
      })),
    );
    expect(plan.settings).toEqual({ RATE: "5" });
  });
});

describe("JobsTargeting", () => {
  const domainArgs = {
    repoRoot: "/nowhere",
    logRetentionDays: 30,
    rates: {},
    settings: {},
    namePrefix: "fleet-test-",
    iot: { thingNamePrefix: "test-", groupNamePrefix: "fleet-" },
    testFleetTools: true,
  };

  it("refuses a setting no handler reads and one that infra sets, before creating anything", () => {
    const attempt = () =>
      new JobsTargeting("jt", {
        ...domainArgs,
        rates: { SERCH_INDEX_RATE: 5 },
        settings: { LISTS_BUCKET: "mine", IOT_DATA_ENDPOINT: "e.example.com" },
      });
    expect(attempt).toThrow("SERCH_INDEX_RATE is read by no jobs-targeting handler");
    expect(attempt).toThrow("LISTS_BUCKET is set by infra, not config");
    expect(attempt).toThrow("IOT_DATA_ENDPOINT is set by infra, not config");
    expect(() => new JobsTargeting("jt", { ...domainArgs, settings: { TEST_FLEET_TOOLS: "true" } })).toThrow(
      "TEST_FLEET_TOOLS is set by infra, not config",
    );
    expect(awsResources()).toEqual([]);
  });

  it("refuses to deploy before its handlers were bundled, creating not even its bucket", () => {
    expect(() => new JobsTargeting("jt", { ...domainArgs, repoRoot })).toThrow(
      /Bundle of jobs-targeting\/\S+ not found at .*index\.mjs: run `pnpm build` first/,
    );
    expect(awsResources()).toEqual([]);
  });
});

describe("SecureBucket and Alerts", () => {
  it("refuse a bad retention of old versions and a malformed e-mail address", () => {
    expect(() => new SecureBucket("b", { noncurrentVersionDays: 0 })).toThrow(
      "noncurrentVersionDays must be a positive integer",
    );
    expect(() => new Alerts("a", { email: "ops" })).toThrow('"ops" is not an e-mail address');
    expect(awsResources()).toEqual([]);
  });
});

describe("deployHandlerPackage", () => {
  const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
  const variables = (name: string) =>
    (
      awsResources().find((r) => r.name === name)?.inputs.environment as {
        variables?: Record<string, string>;
      }
    )?.variables;

  it("creates the package's resources; the steps, then the state machine, then the functions reading its ARN", async () => {
    const contexts: Record<string, Record<string, string>> = {};
    const recording = (context: { handler: string; arns: Record<string, string> }) => {
      contexts[context.handler] = context.arns;
      return [];
    };
    const { functions, outputs } = deployHandlerPackage(
      "demo",
      args({
        permissions: { start: recording, stop: recording, step: recording },
        rates: { RATE: 5 },
      }),
      new Parent("p1"),
    );
    expect(Object.keys(functions).sort()).toEqual(["start", "step", "stop"]);
    // Registration completes asynchronously; the outputs resolve once every resource exists.
    const arns = await resolved(pulumi.output(outputs));
    // Every name starts with the stack's prefix, the only names its deploy role may manage.
    const order = awsResources()
      .filter((r) => ["aws:lambda/function:Function", "aws:sfn/stateMachine:StateMachine"].includes(r.type))
      .map((r) => r.name);
    expect(order).toEqual([
      "fleet-test-demo-step",
      "fleet-test-demo-flow",
      "fleet-test-demo-start",
      "fleet-test-demo-stop",
    ]);
    const owned = (type: string) =>
      awsResources()
        .filter((r) => r.type === type)
        .map((r) => r.name);
    expect([...owned("aws:s3/bucket:Bucket"), ...owned("aws:dynamodb/table:Table")]).toEqual([
      "fleet-test-demo-files",
      "fleet-test-demo-ledger",
    ]);

    // Each variable carrying a resource holds its value; settings reach only the handlers that read them.
    const machine = arns.stateMachines.flow as string;
    expect(arns.resources).toEqual({
      files: expect.stringMatching(/^fleet-test-demo-files-/),
      ledger: expect.any(String),
    });
    expect(variables("fleet-test-demo-step")).toEqual(
      expect.objectContaining({ FILES_BUCKET: arns.resources.files, LEDGER_TABLE: arns.resources.ledger }),
    );
    expect(variables("fleet-test-demo-start")?.MACHINE_ARN).toBe(machine);
    expect(variables("fleet-test-demo-stop")).toEqual(
      expect.objectContaining({ MACHINE_ARN: machine, RATE: "5" }),
    );
    expect(variables("fleet-test-demo-start")?.RATE).toBeUndefined();

    // A handler's statements can name exactly what its manifest entry uses.
    const table = awsResources().find((r) => r.type === "aws:dynamodb/table:Table");
    expect(contexts).toEqual({
      step: {
        files: `arn:aws:s3:::${arns.resources.files}`,
        ledger: table?.computed.arn,
      },
      start: { flow: machine },
      stop: { flow: machine },
    });
    expect(table?.inputs).toEqual(
      expect.objectContaining({
        billingMode: "PAY_PER_REQUEST",
        hashKey: "id",
        rangeKey: "at",
        serverSideEncryption: { enabled: true },
        pointInTimeRecovery: { enabled: true },
      }),
    );
  });
});

describe("createPackageResources", () => {
  const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
  // One resource of every kind, the queue listed before its dead-letter queue.
  const owning: PackageManifest = {
    ...demo,
    resources: {
      files: { kind: "bucket", description: "files" },
      ledger: { kind: "table", description: "ledger", partitionKey: "id" },
      notices: { kind: "topic", description: "notices" },
      work: { kind: "queue", description: "work", deadLetter: { queue: "failed", maxReceives: 4 } },
      failed: { kind: "queue", description: "failed work" },
    },
  };

  it("creates each kind as exactly the resource types the kinds table lists, a queue after its dead-letter queue", async () => {
    const refs = createPackageResources("k", owning, new Parent("p2"));
    const values = await resolved(
      pulumi.output(
        Object.fromEntries([...refs].map(([name, ref]) => [name, { value: ref.value, arn: ref.arn }])),
      ),
    );
    for (const [name, { kind }] of Object.entries(owning.resources)) {
      const types = awsResources()
        .filter((r) => r.name === `k-${name}` || r.name.startsWith(`k-${name}-`))
        .map((r) => r.type);
      expect({ name, types: types.sort() }).toEqual({ name, types: [...RESOURCE_KINDS[kind].types].sort() });
    }
    const queues = awsResources().filter((r) => r.type === "aws:sqs/queue:Queue");
    expect(queues.map((q) => q.name)).toEqual(["k-failed", "k-work"]);
    const [failed, work] = queues;
    expect(work?.inputs).toEqual(
      expect.objectContaining({ sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 }),
    );
    expect(JSON.parse(work?.inputs.redrivePolicy as string)).toEqual({
      deadLetterTargetArn: failed?.computed.arn,
      maxReceiveCount: 4,
    });
    expect(failed?.inputs.redrivePolicy).toBeUndefined();
    const topic = awsResources().find((r) => r.type === "aws:sns/topic:Topic");
    expect(topic?.inputs.kmsMasterKeyId).toBe("alias/aws/sns");

    // A variable carrying a topic holds its ARN; one carrying a queue, its URL.
    expect(values.notices).toEqual({ value: topic?.computed.arn, arn: topic?.computed.arn });
    expect(values.work).toEqual({ value: work?.computed.url, arn: work?.computed.arn });
  });

  it("refuses, naming each, resources whose generated names would be longer than AWS allows for their kind", () => {
    // With the stack's prefix: 16 + 48 + 8 characters fit a queue (80) but not a bucket (63).
    const long = "x".repeat(48);
    const manifest: PackageManifest = {
      ...demo,
      resources: {
        [`b${long.slice(1)}`]: { kind: "bucket", description: "files" },
        [`q${long.slice(1)}`]: { kind: "queue", description: "work" },
        [`r${long.slice(1)}${"x".repeat(10)}`]: { kind: "queue", description: "more work" },
      },
    };
    const queues = awsResources().filter((r) => r.type === "aws:sqs/queue:Queue").length;
    expect(() => createPackageResources("fleet-staging-k", manifest, new Parent("p3"))).toThrow(
      `demo: the bucket name fleet-staging-k-b${long.slice(1)}-xxxxxxx would have 72 characters, more than the 63 AWS allows: shorten the package's name or its handler's, state machine's or resource's; the queue name fleet-staging-k-r${long.slice(1)}${"x".repeat(10)}-xxxxxxx would have 82 characters, more than the 80 AWS allows`,
    );
    // Refused before any was created.
    expect(awsResources().filter((r) => r.type === "aws:sqs/queue:Queue")).toHaveLength(queues);
  });
});
