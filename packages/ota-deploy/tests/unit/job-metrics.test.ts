// job-metrics through the real handler, from AWS's documented event shapes (Jobs events, IoT developer guide),
// delivered as the rules' queue delivers them (SQS batches): every execution status counted per job with jobId as
// the only dimension, one document per job and minute, counts as one 1 an event, downloadTime and retryCount
// values kept whole (split before 100 a document), malformed records counted and logged and never failing the
// batch, job completions and cancels; a bare event (console test, ./run invoke) still taken.
import { Metrics } from "@aws-lambda-powertools/metrics";
import { localContext } from "@fleet/shared-aws/testing";
import { captureStdout, parseEmf } from "@fleet/testing/emf";
import { describe, expect, it, jest } from "@jest/globals";
import { readJobEvent, recordJobEvents, VALUES_PER_DOCUMENT } from "../../src/core/job-metrics";
import { handler } from "../../src/handlers/job-metrics";
import { EXECUTION_STATUSES } from "../../src/metric-names";

const NOW = Date.now();
const MINUTE = Math.floor(NOW / 60_000) * 60_000;
const execution = (status: string, extra: Record<string, unknown> = {}) => ({
  eventType: "JOB_EXECUTION",
  eventId: "f9d9c7a4-0000-4000-8000-000000000001",
  timestamp: Math.floor(MINUTE / 1000) - 60,
  operation: status.toLowerCase(),
  jobId: "fw-1-r1",
  thingArn: "arn:aws:iot:us-east-1:123456789012:thing/sensor-1",
  status,
  ...extra,
});
const sqs = (bodies: unknown[]) => ({
  Records: bodies.map((body, i) => ({
    messageId: `m-${i}`,
    body: typeof body === "string" ? body : JSON.stringify(body),
    eventSource: "aws:sqs",
  })),
});

/** A real Powertools Metrics as the document builder, recording what it serialised. */
function builder() {
  const metrics = new Metrics({ namespace: "Fleet/test", serviceName: "job-metrics" });
  const documents: Record<string, unknown>[] = [];
  const serialize = metrics.serializeMetrics.bind(metrics);
  metrics.serializeMetrics = () => {
    const document = serialize();
    documents.push(document as unknown as Record<string, unknown>);
    return document;
  };
  return Object.assign(metrics, { documents });
}

async function run(event: unknown) {
  const { result, output } = await captureStdout(() =>
    handler(event as never, localContext({ functionName: "job-metrics" })),
  );
  return { result: result as Record<string, unknown>, metrics: parseEmf(output).metrics };
}
type Datum = Awaited<ReturnType<typeof run>>["metrics"][number]["datum"];
/** A datum's values as the EMF line held them (parseEmf folds repeats into Values + Counts). */
const expanded = (datum: Datum) =>
  (datum.Values ?? []).flatMap((value, i) => Array(datum.Counts?.[i] ?? 1).fill(value) as number[]);
const valuesOf = (metrics: Awaited<ReturnType<typeof run>>["metrics"], name: string) =>
  metrics.filter((m) => m.datum.MetricName === name).flatMap((m) => expanded(m.datum));

describe("job-metrics", () => {
  it.each(EXECUTION_STATUSES)("counts a %s event as <status>Count = 1 for its job alone", async (status) => {
    const { result, metrics } = await run(sqs([execution(status)]));
    expect(result).toMatchObject({ events: 1, recorded: 1, malformed: 0, batchItemFailures: [] });
    expect(metrics).toEqual([
      {
        namespace: "IoT:OTA:JobExecution",
        datum: expect.objectContaining({
          MetricName: `${status}Count`,
          Dimensions: [{ Name: "jobId", Value: "fw-1-r1" }],
          Unit: "Count",
          Values: [1],
          Timestamp: new Date(MINUTE - 60_000),
        }),
      },
    ]);
  });

  it("aggregates a batch into one document per job and minute: counts as 1s, every detail value kept", async () => {
    const at = (minutesAgo: number) => Math.floor(MINUTE / 1000) - 60 * minutesAgo + 5;
    const { result, metrics } = await run(
      sqs([
        execution("SUCCEEDED", { timestamp: at(1), statusDetails: { downloadTime: "40", retryCount: "0" } }),
        execution("SUCCEEDED", {
          timestamp: at(1),
          statusDetails: { downloadTime: "184.5", retryCount: "2" },
        }),
        execution("FAILED", { timestamp: at(1), statusDetails: { downloadTime: "90" } }),
        execution("SUCCEEDED", { timestamp: at(2), statusDetails: { downloadTime: "12" } }),
        execution("FAILED", { timestamp: at(1), jobId: "fw-2-r1" }),
      ]),
    );
    expect(result).toMatchObject({ events: 5, recorded: 5, documents: 3 });
    const doc = (jobId: string, minutesAgo: number) =>
      Object.fromEntries(
        metrics
          .filter(
            (m) =>
              m.datum.Dimensions?.[0]?.Value === jobId &&
              m.datum.Timestamp?.getTime() === MINUTE - 60_000 * minutesAgo,
          )
          .map((m) => [m.datum.MetricName, expanded(m.datum)]),
      );
    expect(doc("fw-1-r1", 1)).toEqual({
      SUCCEEDEDCount: [1, 1],
      FAILEDCount: [1],
      downloadTime: [40, 184.5, 90],
      retryCount: [0, 2],
    });
    expect(doc("fw-1-r1", 2)).toEqual({ SUCCEEDEDCount: [1], downloadTime: [12] });
    expect(doc("fw-2-r1", 1)).toEqual({ FAILEDCount: [1] });
  });

  it(`splits a job's minute into documents of at most ${VALUES_PER_DOCUMENT} values a metric, each with its jobId`, async () => {
    const events = Array.from({ length: 250 }, (_, i) =>
      execution("SUCCEEDED", { statusDetails: { downloadTime: String(i) } }),
    );
    const { result, metrics } = await run(sqs(events));
    expect(result).toMatchObject({ recorded: 250, documents: 3 });
    for (const m of metrics) {
      expect(m.datum.Dimensions).toEqual([{ Name: "jobId", Value: "fw-1-r1" }]);
      expect(expanded(m.datum).length).toBeLessThanOrEqual(VALUES_PER_DOCUMENT);
      expect(m.datum.Timestamp).toEqual(new Date(MINUTE - 60_000));
    }
    expect(valuesOf(metrics, "SUCCEEDEDCount")).toHaveLength(250);
    expect(valuesOf(metrics, "downloadTime")).toEqual(events.map((_, i) => i));
  });

  it("counts and logs each malformed record by its messageId and reason, and fails none of the batch", async () => {
    const warn = jest.fn();
    const stack = builder();
    const perJob = builder();
    const result = recordJobEvents(
      sqs([
        execution("SUCCEEDED", { statusDetails: { downloadTime: "40" } }),
        "{not json",
        execution("DONE"),
        { ...execution("FAILED"), jobId: undefined },
        execution("FAILED", { statusDetails: { downloadTime: "60" } }),
      ]),
      { perJob, stack, write: () => {}, logger: { warn }, now: () => NOW },
    );
    expect(result).toEqual({ events: 5, recorded: 2, ignored: 0, malformed: 3, documents: 1 });
    expect(warn.mock.calls).toEqual([
      ["malformed job event", { messageId: "m-1", reason: "body: not JSON" }],
      [
        "malformed job event",
        { messageId: "m-2", reason: expect.stringContaining("status: must be one of") },
      ],
      ["malformed job event", { messageId: "m-3", reason: "jobId: must be a job id" }],
    ]);
    // The stack's sums: one document (every event in one minute), the malformed count in the current minute's.
    expect(stack.documents).toEqual([
      expect.objectContaining({ DownloadTime: [40, 60], Executions_SUCCEEDED: 1, Executions_FAILED: 1 }),
      expect.objectContaining({ MalformedEvents: 3 }),
    ]);
  });

  it("names the field of a malformed event", () => {
    expect(readJobEvent(null)).toBe("event: must be an object");
    expect(readJobEvent({ eventType: "THING" })).toBe("eventType: must be JOB_EXECUTION or JOB");
    expect(readJobEvent(execution("FAILED", { timestamp: "now" }))).toBe("timestamp: must be a number ≥ 0");
    expect(readJobEvent(execution("FAILED", { statusDetails: [] }))).toBe("statusDetails: must be an object");
    expect(readJobEvent({ eventType: "JOB", jobId: "j" })).toBe("operation: must be a string");
  });

  it("records no detail metric for a missing, empty or non-numeric detail, and says which", async () => {
    const warn = jest.fn();
    const lines: string[] = [];
    recordJobEvents(
      sqs([
        execution("FAILED", { statusDetails: { downloadTime: "slow", retryCount: "" } }),
        execution("FAILED"),
        execution("FAILED", { statusDetails: null }),
      ]),
      { perJob: builder(), write: (line) => void lines.push(line), logger: { warn } },
    );
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ _aws: expect.anything(), FAILEDCount: [1, 1, 1] }),
    ]);
    expect(warn.mock.calls.map(([, fields]) => fields)).toEqual([
      { messageId: "m-0", detail: "downloadTime", value: "slow" },
      { messageId: "m-0", detail: "retryCount", value: "" },
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
    const { result, metrics } = await run(
      sqs([job("completed"), job("canceled"), job("deleted"), job("constructor")]),
    );
    expect(result).toMatchObject({ events: 4, recorded: 2, ignored: 2, malformed: 0 });
    expect(metrics.map((m) => m.datum.MetricName)).toEqual(["jobCompletedCount", "jobCanceledCount"]);
  });

  it("takes a bare event or an array of them too (a console test, ./run invoke)", async () => {
    const { result, metrics } = await run([execution("FAILED"), execution("SUCCEEDED")]);
    expect(result).toEqual({ events: 2, recorded: 2, ignored: 0, malformed: 0, documents: 1 });
    expect(metrics.map((m) => m.datum.MetricName).sort()).toEqual(["FAILEDCount", "SUCCEEDEDCount"]);
    expect((await run(execution("FAILED"))).result).toMatchObject({ recorded: 1 });
  });

  it("stamps an event older than CloudWatch keeps (14 days) with the current minute", async () => {
    const { metrics } = await run(
      sqs([execution("FAILED", { timestamp: Math.floor(NOW / 1000) - 15 * 86_400 })]),
    );
    expect(metrics[0]?.datum.Timestamp?.getTime()).toBeGreaterThanOrEqual(MINUTE);
  });
});
