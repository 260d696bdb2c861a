// Watching a rollout against the emulator and a simulated fleet: the job and job-execution events the emulator
// publishes are sent to the job-events queue as the IoT rules send them, drained into the real job-metrics handler
// in the event source mapping's batches (deliverJobEvents), its EMF output is shipped into CloudWatch as CloudWatch
// Logs would
// (@fleet/testing/emf) and the metrics are read back; the real status handler summarises the same job and lists
// its failed and rejected devices page by page. moto's GetMetricStatistics ignores ExtendedStatistics (p50/p99)
// and its GetMetricData fails on a percentile stat, so percentiles are checked at the EMF level, not read back.
import { CloudWatchClient, GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateJobCommand, DescribeJobCommand, IoTClient } from "@aws-sdk/client-iot";
import { awsClient } from "@fleet/shared-aws";
import { captureStdout, parseEmf, shipEmf } from "@fleet/testing/emf";
import { enableJobEvents, jobEvents, SimulatedFleet } from "@fleet/testing/simulated-fleet";
import { drainQueue, sendAsRule } from "@fleet/testing/sqs-queue";
import { afterAll, beforeAll, describe, expect, it, jest } from "@jest/globals";
import type { JobStatus } from "../../src/core/job-status";
import { deliverJobEvents } from "../../src/job-events-local";
import { configureHandlers, invoke, jobEventsQueue } from "../support/integration";

jest.setTimeout(180_000);
const JOB = "it-watch-r1";
const iot = awsClient(IoTClient);
const cloudwatch = awsClient(CloudWatchClient);
const fleet = new SimulatedFleet({
  count: 12,
  prefix: "itWatch",
  overrides: { itWatch0: "fail", itWatch1: "fail", itWatch2: "fail", itWatch3: "reject" },
  downloadSeconds: { min: 10, max: 90 },
  msPerSecond: 1,
  pollMs: 30,
  seed: 5,
});

beforeAll(async () => {
  configureHandlers("it-watch-unused", { GROUP_NAME_PREFIX: "it-", JOB_STATUS_RATE: "1000" });
  await enableJobEvents(iot);
  await fleet.provision();
  await iot.send(
    new CreateJobCommand({
      jobId: JOB,
      targets: fleet.things.map((thing) => `arn:aws:iot:us-east-1:123456789012:thing/${thing}`),
      document: JSON.stringify({ command: "fota" }),
      jobExecutionsRolloutConfig: { maximumPerMinute: 100 },
      timeoutConfig: { inProgressTimeoutInMinutes: 60 },
    }),
  );
  fleet.start();
  // Until the job completes: the test's timeout bounds the wait, no margin of our own.
  while ((await iot.send(new DescribeJobCommand({ jobId: JOB }))).job?.status !== "COMPLETED")
    await new Promise((resolve) => setTimeout(resolve, 100));
});
afterAll(() => fleet.stop());

const statistics = async (metricName: string) => {
  const { Datapoints = [] } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: "IoT:OTA:JobExecution",
      MetricName: metricName,
      Dimensions: [{ Name: "jobId", Value: JOB }],
      StartTime: new Date(Date.now() - 3_600_000),
      EndTime: new Date(Date.now() + 3_600_000),
      Period: 7200,
      Statistics: ["SampleCount", "Sum", "Minimum", "Maximum"],
    }),
  );
  return Datapoints[0];
};

describe("job-metrics → CloudWatch", () => {
  it("turns every event queued by the rules into metrics read back per job: counts per status and download times", async () => {
    const events = (await jobEvents(process.env.AWS_ENDPOINT_URL as string, JOB)).map((e) => e.payload);
    expect(events.filter((e) => e.eventType === "JOB_EXECUTION")).toHaveLength(12);
    const queueUrl = await jobEventsQueue("it-watch");
    // A garbled message in the queue too: counted, logged, and it must neither stop the rest nor fail the batch.
    await sendAsRule(queueUrl, [{ eventType: "JOB_EXECUTION", status: "FAILED" }]);
    const results: Record<string, unknown>[] = [];
    const { result: delivery, output } = await captureStdout(() =>
      deliverJobEvents({
        endpoint: process.env.AWS_ENDPOINT_URL as string,
        queueUrl,
        jobId: JOB,
        invoke: async (handler, event) => {
          const result = await invoke(handler, event);
          results.push(result);
          return result;
        },
      }),
    );
    // One invocation for the whole rollout, nothing reported failed, the queue left empty.
    expect(delivery).toMatchObject({
      sent: events.length,
      messages: events.length + 1,
      batches: 1,
      failed: [],
    });
    expect(results).toEqual([
      expect.objectContaining({ events: events.length + 1, malformed: 1, batchItemFailures: [] }),
    ]);
    expect(await drainQueue(queueUrl)).toEqual([]);
    const { sent, invalid } = await shipEmf(cloudwatch, output);
    expect(invalid).toEqual([]);
    expect(sent).toBeGreaterThan(0);

    expect(await statistics("SUCCEEDEDCount")).toMatchObject({ Sum: 8 });
    expect(await statistics("FAILEDCount")).toMatchObject({ Sum: 3 });
    expect(await statistics("REJECTEDCount")).toMatchObject({ Sum: 1 });
    expect(await statistics("jobCompletedCount")).toMatchObject({ Sum: 1 });
    const times = fleet.reports.filter((r) => r.jobId === JOB).map((r) => r.downloadTime as number);
    expect(await statistics("downloadTime")).toMatchObject({
      SampleCount: 12,
      Sum: times.reduce((a, b) => a + b, 0),
      Minimum: Math.min(...times),
      Maximum: Math.max(...times),
    });
    // The EMF lines carry every value, from which CloudWatch computes p50/p99.
    const values = parseEmf(output)
      .metrics.filter((m) => m.datum.MetricName === "downloadTime")
      .flatMap((m) => m.datum.Values ?? []);
    expect(values.sort()).toEqual([...times].sort());
  });
});

describe("status", () => {
  it("summarises the job and lists its failed and rejected devices, with status details, a page at a time", async () => {
    const seen: JobStatus["devices"] = [];
    let cursor: JobStatus["nextCursor"] = null;
    let first: JobStatus | undefined;
    do {
      const page: JobStatus = await invoke<JobStatus>("status", { jobId: JOB, pageSize: 2, cursor });
      first ??= page;
      seen.push(...page.devices);
      cursor = page.nextCursor;
    } while (cursor);
    expect(first).toMatchObject({
      jobStatus: "COMPLETED",
      total: 12,
      counts: { SUCCEEDED: 8, FAILED: 3, REJECTED: 1, QUEUED: 0, IN_PROGRESS: 0 },
      progress: { started: 12, finished: 12, percent: 100 },
      rollout: { maximumPerMinute: 100 },
      timeout: { inProgressTimeoutInMinutes: 60 },
    });
    expect(seen.map((d) => `${d.status}:${d.thingName}`).sort()).toEqual([
      "FAILED:itWatch0",
      "FAILED:itWatch1",
      "FAILED:itWatch2",
      "REJECTED:itWatch3",
    ]);
    expect(seen.every((d) => d.statusDetails.reason?.startsWith("simulated"))).toBe(true);
  });

  it("refuses a job outside the stack's prefix", async () => {
    await expect(invoke("status", { jobId: "other-r1" })).rejects.toThrow(/GROUP_NAME_PREFIX/);
  });
});
