// Components check their arguments before creating anything: each bad argument yields a message naming it,
// and no AWS resource is registered.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LambdaHandlerSpec, PackageManifest } from "@fleet/bundle/manifest";
import { manifest as jobsTargetingManifest } from "@fleet/jobs-targeting";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import * as pulumi from "@pulumi/pulumi";
import { Alerts } from "../../src/components/alerts";
import { deployHandlerPackage, planHandlerPackage } from "../../src/components/handler-package";
import { JobsTargeting } from "../../src/components/jobs-targeting";
import { NodeLambda } from "../../src/components/node-lambda";
import { SecureBucket } from "../../src/components/secure-bucket";
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
const demo: PackageManifest = {
  name: "demo",
  packageDir: "packages/demo",
  handlers: {
    start: spec({ MACHINE_ARN: { required: true, description: "the state machine" } }),
    step: spec({ MACHINE_ARN: { required: true, description: "the state machine" } }),
  },
  stateMachines: {
    flow: {
      description: "calls step",
      definition: { StartAt: "S", States: { S: { Type: "Task", Resource: "${step}", End: true } } },
    },
  },
};

const permissions = { start: () => [], step: () => [] };
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
});

describe("planHandlerPackage", () => {
  const needs = {
    repoRoot: "",
    permitted: ["start", "step"],
    configured: [],
    suppliedByInfra: [],
    stateMachineVariables: { MACHINE_ARN: "flow" },
  };
  const stepOnly: PackageManifest = { ...demo, handlers: { ...demo.handlers, step: spec() } };

  it("refuses a handler without IAM statements, and statements for an unknown handler", () => {
    const attempt = () => planHandlerPackage(stepOnly, { ...needs, repoRoot, permitted: ["start", "stray"] });
    expect(attempt).toThrow("no IAM statements for handler step");
    expect(attempt).toThrow("IAM statements for unknown handler stray");
  });

  it("refuses a state machine step that reads that state machine's ARN: neither could be created first", () => {
    expect(() => planHandlerPackage(demo, { ...needs, repoRoot })).toThrow(
      "step requires MACHINE_ARN, which nothing supplies",
    );
  });

  it("refuses a variable pointing at a state machine the manifest lacks", () => {
    expect(() =>
      planHandlerPackage(stepOnly, { ...needs, repoRoot, stateMachineVariables: { MACHINE_ARN: "other" } }),
    ).toThrow("MACHINE_ARN refers to unknown state machine other");
  });

  it("refuses a configured setting no handler reads, and one infra supplies", () => {
    const attempt = () =>
      planHandlerPackage(stepOnly, { ...needs, repoRoot, configured: ["MACHINE_ARN", "MACHIN_ARN"] });
    expect(attempt).toThrow("MACHIN_ARN is read by no demo handler");
    expect(attempt).toThrow("MACHINE_ARN is set by infra, not config");
  });

  it("refuses handlers whose bundles were not built, naming the build command", () => {
    expect(() =>
      planHandlerPackage(stepOnly, { ...needs, repoRoot: path.join(repoRoot, "elsewhere") }),
    ).toThrow(/Bundle of demo\/start not found at .*index\.mjs: run `pnpm build` first/);
  });

  it("plans a valid package: its bundles and the steps of its state machines", () => {
    const plan = planHandlerPackage(stepOnly, { ...needs, repoRoot });
    expect(plan.bundles).toEqual({
      start: path.join(repoRoot, "packages/demo/dist/start"),
      step: path.join(repoRoot, "packages/demo/dist/step"),
    });
    expect([...plan.steps]).toEqual(["step"]);
  });
});

describe("JobsTargeting", () => {
  const args = {
    manifest: jobsTargetingManifest,
    repoRoot: "/nowhere",
    logRetentionDays: 30,
    rates: {},
    settings: {},
    iot: { thingNamePrefix: "test-", groupNamePrefix: "fleet-" },
    testFleetTools: true,
  };

  it("refuses a setting no handler reads and one that infra supplies", () => {
    const attempt = () =>
      new JobsTargeting("jt", {
        ...args,
        rates: { SERCH_INDEX_RATE: 5 },
        settings: { LISTS_BUCKET: "mine" },
      });
    expect(attempt).toThrow("SERCH_INDEX_RATE is read by no jobs-targeting handler");
    expect(attempt).toThrow("LISTS_BUCKET is set by infra, not config");
    expect(awsResources()).toEqual([]);
  });

  it("refuses to deploy before its handlers were bundled, creating not even its bucket", () => {
    expect(() => new JobsTargeting("jt", { ...args, repoRoot })).toThrow(
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
  it("creates every function that is not a step after the state machine: each may read its ARN and be granted on it", async () => {
    // An entry handler starting executions and a teardown stopping them, both reading the ARN; a plain step.
    const machineArn = { required: true, description: "the state machine" };
    const withStop: PackageManifest = {
      ...demo,
      handlers: {
        start: spec({ MACHINE_ARN: machineArn }),
        stop: spec({ MACHINE_ARN: machineArn }),
        step: spec(),
      },
    };
    mkdirSync(path.join(repoRoot, demo.packageDir, "dist", "stop"), { recursive: true });
    writeFileSync(
      path.join(repoRoot, demo.packageDir, "dist", "stop", "index.mjs"),
      "export const handler = () => 1;\n",
    );
    const plan = planHandlerPackage(withStop, {
      repoRoot,
      permitted: ["start", "step", "stop"],
      configured: [],
      suppliedByInfra: [],
      stateMachineVariables: { MACHINE_ARN: "flow" },
    });
    const contexts: Record<string, Record<string, string>> = {};
    const recording = (handler: string) => (context: { stateMachineArns: Record<string, string> }) => {
      contexts[handler] = context.stateMachineArns;
      return [];
    };
    const { functions, workflows } = deployHandlerPackage(
      "demo2",
      {
        plan,
        permissions: { start: recording("start"), stop: recording("stop"), step: recording("step") },
        environment: {},
        logRetentionDays: 30,
      },
      new Parent("p5"),
    );
    const machine = await new Promise<string>((resolve) =>
      pulumi
        .all([functions.start!.arn, functions.stop!.arn, workflows.flow!.arn])
        .apply(([, , arn]) => resolve(arn)),
    );
    const order = awsResources()
      .filter(
        (r) => r.type === "aws:lambda/function:Function" || r.type === "aws:sfn/stateMachine:StateMachine",
      )
      .map((r) => r.name);
    expect(order).toEqual(["demo2-step", "demo2-flow", "demo2-start", "demo2-stop"]);
    const variables = (name: string) =>
      (
        awsResources().find((r) => r.name === name)?.inputs.environment as {
          variables?: Record<string, string>;
        }
      )?.variables;
    expect(variables("demo2-stop")?.MACHINE_ARN).toBe(machine);
    expect(variables("demo2-start")?.MACHINE_ARN).toBe(machine);
    expect(contexts).toEqual({ step: {}, start: { flow: machine }, stop: { flow: machine } });
  });

  it("creates the steps, then the state machine, then the functions that read its ARN", async () => {
    const stepOnly: PackageManifest = { ...demo, handlers: { ...demo.handlers, step: spec() } };
    const plan = planHandlerPackage(stepOnly, {
      repoRoot,
      permitted: ["start", "step"],
      configured: [],
      suppliedByInfra: [],
      stateMachineVariables: { MACHINE_ARN: "flow" },
    });
    const { functions, workflows } = deployHandlerPackage(
      "demo",
      { plan, permissions, environment: {}, logRetentionDays: 30 },
      new Parent("p4"),
    );
    expect(Object.keys(functions).sort()).toEqual(["start", "step"]);
    expect(Object.keys(workflows)).toEqual(["flow"]);
    // Registration completes asynchronously; the ARNs resolve once every function and the state machine exist.
    await new Promise((resolve) => pulumi.all([functions.start!.arn, workflows.flow!.arn]).apply(resolve));
    const order = awsResources()
      .filter(
        (r) => r.type === "aws:lambda/function:Function" || r.type === "aws:sfn/stateMachine:StateMachine",
      )
      .map((r) => r.name);
    expect(order).toEqual(["demo-step", "demo-flow", "demo-start"]);
  });
});
