// job-metrics through the real handler, from AWS's documented event shapes (Jobs events, IoT developer guide):
// every execution status counted per job with jobId as the only dimension, downloadTime and retryCount from the
// status details, the event's own time, a batch with malformed events still recorded, job completions and cancels.

import { localContext } from "@fleet/shared-aws/testing";
import { captureStdout, parseEmf } from "@fleet/testing/emf";
import { describe, expect, it, jest } from "@jest/globals";
import { recordJobEvents } from "../../src/core/job-metrics";
import { handler } from "../../src/handlers/job-metrics";
import { EXECUTION_STATUSES } from "../../src/metric-names";

const NOW = Date.now();
const execution = (status: string, extra: Record<string, unknown> = {}) => ({
  eventType: "JOB_EXECUTION",
  eventId: "f9d9c7a4-0000-4000-8000-000000000001",
  timestamp: Math.floor(NOW / 1000) - 60,
  operation: status.toLowerCase(),
  jobId: "fw-1-r1",
  thingArn: "arn:aws:iot:us-east-1:123456789012:thing/sensor-1",
  status,
  ...extra,
});

async function run(event: unknown) {
  const { result, output } = await captureStdout(() =>
    handler(event as never, localContext({ functionName: "job-metrics" })),
  );
  return { result, metrics: parseEmf(output).metrics };
}

describe("job-metrics", () => {
  it.each(EXECUTION_STATUSES)("counts a %s event as <status>Count = 1 for its job alone", async (status) => {
    const { result, metrics } = await run(execution(status));
    expect(result).toEqual({ events: 1, recorded: 1, ignored: 0, malformed: 0 });
    expect(metrics).toEqual([
      {
        namespace: "IoT:OTA:JobExecution",
        datum: expect.objectContaining({
          MetricName: `${status}Count`,
          Dimensions: [{ Name: "jobId", Value: "fw-1-r1" }],
          Unit: "Count",
          Values: [1],
          Timestamp: new Date((Math.floor(NOW / 1000) - 60) * 1000),
        }),
      },
    ]);
  });

  it("adds downloadTime (seconds) and retryCount from the status details when they are numbers", async () => {
    const { metrics } = await run(
      execution("SUCCEEDED", { statusDetails: { downloadTime: "184.5", retryCount: "2", step: "done" } }),
    );
    const byName = Object.fromEntries(metrics.map((m) => [m.datum.MetricName, m.datum]));
    expect(byName.downloadTime).toMatchObject({ Unit: "Seconds", Values: [184.5] });
    expect(byName.retryCount).toMatchObject({ Unit: "Count", Values: [2] });
    expect(Object.keys(byName).sort()).toEqual(["SUCCEEDEDCount", "downloadTime", "retryCount"]);
  });

  it("records no detail metric for a missing, empty or non-numeric detail, and says which", async () => {
    const warn = jest.fn();
    const published: string[] = [];
    const perJob = {
      addDimension: jest.fn(),
      setTimestamp: jest.fn(),
      addMetric: (name: string) => void published.push(name),
      publishStoredMetrics: jest.fn(),
    };
    recordJobEvents(
      [execution("FAILED", { statusDetails: { downloadTime: "slow", retryCount: "" } }), execution("FAILED")],
      { perJob: perJob as never, stack: { addMetric: jest.fn() } as never, logger: { warn } },
    );
    expect(published).toEqual(["FAILEDCount", "FAILEDCount"]);
    expect(warn.mock.calls.map(([, fields]) => fields)).toEqual([
      { index: 0, detail: "downloadTime", value: "slow" },
      { index: 0, detail: "retryCount", value: "" },
    ]);
  });

  it("records the good events of a batch, and counts and logs each malformed one with its reason", async () => {
    const warn = jest.fn();
    const stack = { addMetric: jest.fn() };
    const perJob = {
      addDimension: jest.fn(),
      setTimestamp: jest.fn(),
      addMetric: jest.fn(),
      publishStoredMetrics: jest.fn(),
    };
    const result = recordJobEvents(
      [
        execution("SUCCEEDED", { statusDetails: { downloadTime: "40" } }),
        "not an event",
        execution("DONE"),
        { ...execution("FAILED"), jobId: undefined },
        execution("FAILED", { statusDetails: { downloadTime: "60" } }),
      ],
      { perJob: perJob as never, stack: stack as never, logger: { warn } },
    );
    expect(result).toEqual({ events: 5, recorded: 2, ignored: 0, malformed: 3 });
    expect(perJob.publishStoredMetrics).toHaveBeenCalledTimes(2);
    expect(
      warn.mock.calls.map(([message, fields]) => [message, (fields as { index: number }).index]),
    ).toEqual([
      ["malformed job event", 1],
      ["malformed job event", 2],
      ["malformed job event", 3],
    ]);
    expect(JSON.stringify(warn.mock.calls[2])).toContain("jobId");
    expect(stack.addMetric.mock.calls).toEqual([
      ["DownloadTime", "Seconds", 40],
      ["DownloadTime", "Seconds", 60],
      ["Executions_SUCCEEDED", "Count", 1],
      ["Executions_FAILED", "Count", 1],
      ["MalformedEvents", "Count", 3],
    ]);
  });

  it("counts job completions and cancels (an abort is a cancel) and passes other job events over", async () => {
    const job = (operation: string) => ({
      eventType: "JOB",
      eventId: "e",
      timestamp: Math.floor(NOW / 1000),
      operation,
      jobId: "fw-1-r2",
      status: operation.toUpperCase(),
    });
    const { result, metrics } = await run([
      job("completed"),
      job("canceled"),
      job("deleted"),
      job("constructor"),
    ]);
    expect(result).toEqual({ events: 4, recorded: 2, ignored: 2, malformed: 0 });
    expect(metrics.map((m) => m.datum.MetricName)).toEqual(["jobCompletedCount", "jobCanceledCount"]);
  });

  it("stamps an event older than CloudWatch keeps (14 days) with the current time", async () => {
    const { metrics } = await run(execution("FAILED", { timestamp: Math.floor(NOW / 1000) - 15 * 86_400 }));
    expect(metrics[0]?.datum.Timestamp?.getTime()).toBeGreaterThanOrEqual(NOW);
  });
});
