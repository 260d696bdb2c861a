// status at the request level (aws-sdk-client-mock, IoT API reference shapes): counts from DescribeJob's process
// details and never a call per device beyond those listed; failed, rejected and timed-out devices a page at a
// time with a cursor that resumes where the page ended; every call through the rate gate; a job outside the
// stack's prefix refused before any call.
import {
  DescribeJobCommand,
  DescribeJobExecutionCommand,
  IoTClient,
  ListJobExecutionsForJobCommand,
} from "@aws-sdk/client-iot";
import { localContext } from "@fleet/shared-aws/testing";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { jobStatus } from "../../src/core/job-status";

const iotMock = mockClient(IoTClient);
afterEach(() => {
  iotMock.reset();
});
const arn = (name: string) => `arn:aws:iot:us-east-1:123456789012:thing/${name}`;
const CREATED = new Date("2026-11-29T01:00:00Z");
const NOW = CREATED.getTime() + 600_000;

function fixture(executions: Record<string, string[]>) {
  iotMock.on(DescribeJobCommand).resolves({
    job: {
      jobId: "fw-r1",
      status: "IN_PROGRESS",
      targetSelection: "SNAPSHOT",
      createdAt: CREATED,
      jobExecutionsRolloutConfig: { maximumPerMinute: 50 },
      abortConfig: {
        criteriaList: [
          { failureType: "FAILED", action: "CANCEL", thresholdPercentage: 10, minNumberOfExecutedThings: 5 },
        ],
      },
      timeoutConfig: { inProgressTimeoutInMinutes: 30 },
      jobProcessDetails: {
        numberOfQueuedThings: 10,
        numberOfInProgressThings: 5,
        numberOfSucceededThings: 80,
        numberOfFailedThings: executions.FAILED?.length ?? 0,
        numberOfRejectedThings: executions.REJECTED?.length ?? 0,
        numberOfTimedOutThings: executions.TIMED_OUT?.length ?? 0,
      },
    },
  });
  // Pages of two, with a token naming the offset.
  iotMock.on(ListJobExecutionsForJobCommand).callsFake(({ status, maxResults, nextToken }) => {
    const all = executions[status] ?? [];
    const from = Number(nextToken ?? 0);
    const to = Math.min(all.length, from + Math.min(2, maxResults));
    return {
      executionSummaries: all
        .slice(from, to)
        .map((name) => ({ thingArn: arn(name), jobExecutionSummary: { status } })),
      nextToken: to < all.length ? String(to) : undefined,
    };
  });
  iotMock.on(DescribeJobExecutionCommand).callsFake(({ thingName }) => {
    const status = Object.entries(executions).find(([, names]) => names.includes(thingName))?.[0];
    return {
      execution: {
        thingArn: arn(thingName),
        status,
        statusDetails: { detailsMap: { reason: `${thingName} broke` } },
      },
    };
  });
}

/** A fast gate and a minute to spare: no answer is cut short by time. */
const unhurried = {
  iot: new IoTClient({}),
  gate: async () => {},
  callsPerSecond: 10,
  deadline: NOW + 60_000,
  now: () => NOW,
};

describe("status", () => {
  it("summarises counts, rollout, abort and timeout config, progress and elapsed time", async () => {
    fixture({ FAILED: ["d1"], REJECTED: [], TIMED_OUT: [] });
    let calls = 0;
    const status = await jobStatus(
      { ...unhurried, gate: async () => void calls++ },
      { jobId: "fw-r1", pageSize: 25 },
    );
    expect(status).toMatchObject({
      jobStatus: "IN_PROGRESS",
      createdAt: CREATED.toISOString(),
      elapsedSeconds: 600,
      total: 96,
      counts: { QUEUED: 10, IN_PROGRESS: 5, SUCCEEDED: 80, FAILED: 1, REJECTED: 0, TIMED_OUT: 0 },
      progress: { started: 86, finished: 81, percent: 84.38, startedPerMinute: 8.6 },
      rollout: { maximumPerMinute: 50 },
      abort: { criteriaList: [expect.objectContaining({ failureType: "FAILED", thresholdPercentage: 10 })] },
      timeout: { inProgressTimeoutInMinutes: 30 },
      devices: [{ thingName: "d1", status: "FAILED", statusDetails: { reason: "d1 broke" } }],
      nextCursor: null,
    });
    // DescribeJob, one listing (statuses counting none are not listed), one DescribeJobExecution: all gated.
    expect(iotMock.commandCalls(ListJobExecutionsForJobCommand)).toHaveLength(1);
    expect(calls).toBe(3);
  });

  it("pages through failed, rejected and timed-out devices without showing one twice or missing one", async () => {
    const executions = { FAILED: ["f1", "f2", "f3"], REJECTED: ["r1"], TIMED_OUT: ["t1", "t2"] };
    fixture(executions);
    const seen: string[] = [];
    let cursor = null;
    let pages = 0;
    do {
      const page = await jobStatus(unhurried, { jobId: "fw-r1", pageSize: 4, cursor });
      expect(page.devices.length).toBeLessThanOrEqual(4);
      seen.push(...page.devices.map((d) => `${d.status}:${d.thingName}`));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual([
      "FAILED:f1",
      "FAILED:f2",
      "FAILED:f3",
      "REJECTED:r1",
      "TIMED_OUT:t1",
      "TIMED_OUT:t2",
    ]);
  });

  it("refuses a job outside the stack's GROUP_NAME_PREFIX before any call, naming the field", async () => {
    process.env.GROUP_NAME_PREFIX = "fleet-dev-";
    const { handler } = await import("../../src/handlers/status");
    await expect(
      handler({ jobId: "other-team-r1" }, localContext({ functionName: "status" })),
    ).rejects.toThrow(/jobId: "other-team-r1" must start with "fleet-dev-"/);
    expect(iotMock.calls()).toHaveLength(0);
  });

  it("at a slow rate, ends the answer before the deadline with a cursor, asking no listing for more than the time left can describe, and misses no device", async () => {
    const failed = Array.from({ length: 30 }, (_, i) => `f${i}`);
    fixture({ FAILED: failed, REJECTED: [], TIMED_OUT: [] });
    // One call a second on a clock that moves only as calls are made: 10 s left describes at most 9 devices.
    let clock = NOW;
    const slow = {
      ...unhurried,
      gate: async () => {
        clock += 1000;
      },
      callsPerSecond: 1,
      now: () => clock,
    };
    const seen: string[] = [];
    let cursor = null;
    do {
      const start = clock;
      const page = await jobStatus(
        { ...slow, deadline: start + 10_000 },
        { jobId: "fw-r1", pageSize: 100, cursor },
      );
      expect(clock).toBeLessThanOrEqual(start + 10_000);
      expect(page.devices.length).toBeGreaterThan(0);
      seen.push(...page.devices.map((d) => d.thingName));
      cursor = page.nextCursor;
      if (cursor) expect(cursor.jobId).toBe("fw-r1");
    } while (cursor);
    expect(seen).toEqual(failed);
    for (const call of iotMock.commandCalls(ListJobExecutionsForJobCommand))
      expect(call.args[0].input.maxResults).toBeLessThanOrEqual(9);
  });

  it("refuses another job's cursor, and a token AWS no longer takes, naming `cursor`", async () => {
    fixture({ FAILED: ["f1"], REJECTED: [], TIMED_OUT: [] });
    await expect(
      jobStatus(unhurried, { jobId: "fw-r1", pageSize: 5, cursor: { jobId: "fw-r2", status: "FAILED" } }),
    ).rejects.toThrow(/cursor: it pages job fw-r2, not fw-r1/);
    expect(iotMock.calls()).toHaveLength(0);
    iotMock
      .on(ListJobExecutionsForJobCommand)
      .rejects(Object.assign(new Error("Invalid nextToken"), { name: "InvalidRequestException" }));
    await expect(
      jobStatus(unhurried, {
        jobId: "fw-r1",
        pageSize: 5,
        cursor: { jobId: "fw-r1", status: "FAILED", nextToken: "stale" },
      }),
    ).rejects.toThrow(/cursor: its nextToken is not one AWS takes any more/);
  });
});
