// round-status at the request level (aws-sdk-client-mock, IoT API reference shapes): the waits double from
// pollSeconds up to maxPollSeconds and never past the deadline; a CONTINUOUS job's round ends once every execution
// has; a verdict lists only unsuccessful executions (ListJobExecutionsForJob's status filter), at most 50, takes
// the totals from the job's process details, and stops describing when the invocation runs out of time.
import {
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  IoTClient,
  type Job,
  ListJobExecutionsForJobCommand,
} from "@aws-sdk/client-iot";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { MAX_CAUSE_CHARS, MAX_REPORTED_FAILURES, roundStatus } from "../../src/core/round-status";

const iotMock = mockClient(IoTClient);
afterEach(() => {
  iotMock.reset();
});
const iot = new IoTClient({});
const NOW = 1_000_000;
const input = (polls: number, deadlineAt = NOW + 3_600_000) => ({
  jobId: "fw-r1",
  round: 1,
  deadlineAt,
  polls,
  pollSeconds: 10,
  maxPollSeconds: 60,
});
const job = (status: string, details: Record<string, number>, extra: Partial<Job> = {}) =>
  iotMock.on(DescribeJobCommand).resolves({
    job: { jobId: "fw-r1", status: status as Job["status"], jobProcessDetails: details, ...extra },
  });
const arn = (name: string) => `arn:aws:iot:eu-west-1:123456789012:thing/${name}`;

describe("round-status: the next wait", () => {
  it("doubles from pollSeconds, caps at maxPollSeconds, and never waits past the deadline", async () => {
    job("IN_PROGRESS", { numberOfInProgressThings: 3 });
    const waits = [];
    for (const polls of [0, 1, 2, 3, 4]) {
      waits.push((await roundStatus(iot, input(polls), { now: NOW })) as { waitSeconds: number });
    }
    expect(waits.map((w) => w.waitSeconds)).toEqual([10, 20, 40, 60, 60]);
    const late = await roundStatus(iot, input(4, NOW + 7_500), { now: NOW });
    expect(late).toMatchObject({ finished: false, polls: 5, waitSeconds: 8 });
  });

  it("ends a CONTINUOUS job's round once every execution it created has ended", async () => {
    job(
      "IN_PROGRESS",
      { numberOfSucceededThings: 2, numberOfQueuedThings: 0, numberOfInProgressThings: 0 },
      { targetSelection: "CONTINUOUS" },
    );
    expect(await roundStatus(iot, input(0), { now: NOW })).toMatchObject({ finished: true, succeeded: true });
  });
});

describe("round-status: the verdict", () => {
  it("lists only unsuccessful statuses, at most 50 devices, and counts the rest from the process details", async () => {
    job("COMPLETED", { numberOfSucceededThings: 900, numberOfFailedThings: 70, numberOfRejectedThings: 5 });
    iotMock.on(ListJobExecutionsForJobCommand).callsFake((request) => ({
      executionSummaries: Array.from({ length: request.maxResults }, (_, i) => ({
        thingArn: arn(`${request.status}-${i}`),
        jobExecutionSummary: { status: request.status },
      })),
      nextToken: "more",
    }));
    iotMock.on(DescribeJobExecutionCommand).callsFake((request) => ({
      execution: { status: "FAILED", statusDetails: { detailsMap: { reason: request.thingName } } },
    }));
    const verdict = await roundStatus(iot, input(3), { now: NOW });
    expect(verdict).toMatchObject({
      finished: true,
      succeeded: false,
      failuresOmitted: 75 - MAX_REPORTED_FAILURES,
    });
    const calls = iotMock.commandCalls(ListJobExecutionsForJobCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([{ jobId: "fw-r1", status: "FAILED", maxResults: 50 }]);
    expect(verdict.finished && verdict.failures[0]).toEqual({
      thingName: "FAILED-0",
      status: "FAILED",
      statusDetails: { reason: "FAILED-0" },
    });
    expect(verdict.finished && verdict.cause).toMatch(
      /not every device succeeded: FAILED-0 FAILED .* and 25 more$/,
    );
  });

  it("names the devices still pending when the deadline passed, and stops describing at the invocation's deadline", async () => {
    job("IN_PROGRESS", { numberOfSucceededThings: 1, numberOfInProgressThings: 2 });
    iotMock.on(ListJobExecutionsForJobCommand).resolves({
      executionSummaries: [{ thingArn: arn("stuck1") }, { thingArn: arn("stuck2") }],
    });
    iotMock.on(DescribeJobExecutionCommand).resolves({ execution: { status: "IN_PROGRESS" } });
    const verdict = await roundStatus(iot, input(9, NOW - 1), { now: NOW });
    expect(verdict).toMatchObject({ finished: true, succeeded: false, deadlineReached: true });
    expect(verdict.finished && verdict.cause).toMatch(
      /deadline passed .*: stuck1 IN_PROGRESS; stuck2 IN_PROGRESS$/,
    );
    iotMock.resetHistory();
    const rushed = await roundStatus(iot, input(9, NOW - 1), { now: NOW, deadline: 0 });
    expect(rushed).toMatchObject({ failures: [], failuresOmitted: 2, succeeded: false });
    expect(iotMock.commandCalls(DescribeJobExecutionCommand)).toHaveLength(0);
  });

  it("says the abort criteria cancelled the job, and keeps the cause under Step Functions' limit", async () => {
    job("CANCELED", { numberOfFailedThings: 50 }, { comment: "abort criteria met: FAILED 10%" });
    iotMock.on(ListJobExecutionsForJobCommand).resolves({
      executionSummaries: Array.from({ length: 50 }, (_, i) => ({ thingArn: arn(`d${i}`) })),
    });
    iotMock.on(DescribeJobExecutionCommand).resolves({
      execution: { status: "FAILED", statusDetails: { detailsMap: { log: "x".repeat(2000) } } },
    });
    const verdict = await roundStatus(iot, input(0), { now: NOW });
    const cause = verdict.finished ? verdict.cause : "";
    expect(cause).toMatch(
      /^round 1 \(job fw-r1\) failed: the job was cancelled \(abort criteria met: FAILED 10%\)/,
    );
    expect(cause.length).toBeLessThanOrEqual(MAX_CAUSE_CHARS);
    expect(cause).toMatch(/\(cut; the round-status result lists every device\)$/);
  });
});
