// Two starts of the same job at the same instant start one execution: the execution name is the claim (the
// next generation of the job's names), and a start that loses it returns the winner's execution. Request-shape
// level, with a fake Step Functions that keeps names as AWS does; the emulator run is in
// tests/integration/exclude-list-safety.test.ts.
import { DescribeJobCommand, DescribeThingGroupCommand, IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { ConflictError } from "@fleet/shared-aws";
import { awsError } from "@fleet/shared-aws/testing";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { type StartDeps, startTargetedJob } from "../../src/core/start-targeted-job";
import { startTargetedJobEvent } from "../../src/schemas";
import { serveObjects, utf8 } from "../support/s3-fake";

const iotMock = mockClient(IoTClient);
const s3Mock = mockClient(S3Client);
const sfnMock = mockClient(SFNClient);
const SM = "arn:aws:states:us-east-1:000000000000:stateMachine:sm";
const arnOf = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:sm:${name}`;

let clock = 1_700_000_000_000;
const deps: StartDeps = {
  iot: new IoTClient({ region: "us-east-1" }),
  s3: new S3Client({ region: "us-east-1" }),
  sfn: new SFNClient({ region: "us-east-1" }),
  stateMachineArn: SM,
  bucket: "lists",
  updateKey: "updateKey",
  // Every start plans at its own millisecond, hence with its own update value: their inputs differ.
  now: () => clock++,
};
const event = (fields: Record<string, unknown> = {}) =>
  startTargetedJobEvent.parse({ jobName: "job1", excludeListFileName: "list.csv", ...fields });

interface Execution {
  name: string;
  input: string;
  status: ExecutionStatus;
}

/**
 * Step Functions' names: StartExecution with a name in use returns that execution when it is RUNNING with the
 * same input, else fails with ExecutionAlreadyExists. `listed` is what ListExecutions shows (it may lag).
 */
function stepFunctions(executions: Execution[], listed: () => Execution[] = () => executions) {
  sfnMock.on(ListExecutionsCommand).callsFake(() => ({
    executions: listed().map((e) => ({
      name: e.name,
      executionArn: arnOf(e.name),
      stateMachineArn: SM,
      status: e.status,
      startDate: new Date(),
    })),
  }));
  sfnMock.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const found = executions.find((e) => arnOf(e.name) === input.executionArn);
    if (!found) throw awsError("ExecutionDoesNotExist", 400);
    return { executionArn: input.executionArn, status: found.status, input: found.input };
  });
  sfnMock.on(StartExecutionCommand).callsFake(async (input: { name: string; input: string }) => {
    await new Promise((resolve) => setImmediate(resolve)); // both starts are in flight here
    const same = executions.find((e) => e.name === input.name);
    if (same && (same.status !== "RUNNING" || same.input !== input.input)) {
      throw awsError("ExecutionAlreadyExists", 400);
    }
    if (!same) executions.push({ name: input.name, input: input.input, status: "RUNNING" });
    return { executionArn: arnOf(input.name), startDate: new Date() };
  });
  return executions;
}

beforeEach(() => {
  serveObjects(s3Mock, { "list.csv": utf8("dev1\ndev2\n") });
  iotMock.on(DescribeThingGroupCommand).rejects(awsError("ResourceNotFoundException", 404));
  iotMock.on(DescribeJobCommand).rejects(awsError("ResourceNotFoundException", 404));
});
afterEach(() => {
  iotMock.reset();
  s3Mock.reset();
  sfnMock.reset();
});

describe("the execution claim (request shapes)", () => {
  it("two starts of the same request at the same instant start one execution; the loser returns it", async () => {
    // Neither start sees the other's execution listed yet: both claim the same name.
    const executions = stepFunctions([], () => []);
    const [a, b] = await Promise.all([startTargetedJob(deps, event()), startTargetedJob(deps, event())]);
    expect(executions.map((e) => e.name)).toEqual(["job1-1"]);
    expect(a.executionArn).toBe(arnOf("job1-1"));
    expect(b.executionArn).toBe(arnOf("job1-1"));
    expect([a.alreadyRunning, b.alreadyRunning].sort()).toEqual([false, true]);
    expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name)).toEqual([
      "job1-1",
      "job1-1",
    ]);
  });

  it("a start that loses the claim to another request is refused, naming the winner and what differs", async () => {
    stepFunctions([], () => []);
    const results = await Promise.allSettled([
      startTargetedJob(deps, event()),
      startTargetedJob(deps, event({ rollout: { maximumPerMinute: 10 } })),
    ]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(refused.reason).toBeInstanceOf(ConflictError);
    expect(String(refused.reason)).toMatch(
      /execution arn:aws:states:us-east-1:000000000000:execution:sm:job1-1 of job job1 is running with another request \(job\.rollout differ\)/,
    );
  });

  it("claims the generation after the highest of the job's executions, of any status, other jobs aside", async () => {
    const executions = stepFunctions([
      { name: "job1-1700000000000", input: "{}", status: "SUCCEEDED" }, // named by the former scheme
      { name: "job1-3", input: "{}", status: "FAILED" },
      { name: "job1-a-1800000000000", input: "{}", status: "RUNNING" }, // job "job1-a"
    ]);
    const started = await startTargetedJob(deps, event());
    expect(started).toMatchObject({ executionName: "job1-1700000000001", alreadyRunning: false });
    expect(executions.at(-1)?.name).toBe("job1-1700000000001");
    expect(sfnMock.commandCalls(ListExecutionsCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: SM,
      maxResults: 1000,
      nextToken: undefined,
    });
  });

  it("moves on to the next name when the claimed one belongs to an execution that ended but is not listed yet", async () => {
    const executions = stepFunctions([{ name: "job1-1", input: "{}", status: "FAILED" }], () => []);
    const started = await startTargetedJob(deps, event());
    expect(started).toMatchObject({ executionName: "job1-2", alreadyRunning: false });
    expect(executions.map((e) => e.name)).toEqual(["job1-1", "job1-2"]);
  });
});
