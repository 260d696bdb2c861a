// The local EMF shipper reads what CloudWatch Logs would (namespace, every dimension set, unit, value or values,
// the line's timestamp) and passes logs over; PutMetricData's request shape checked with aws-sdk-client-mock.
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { captureStdout, parseEmf, shipEmf } from "../../src/emf-shipper";

const line = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    _aws: {
      Timestamp: 1_764_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: "IoT:OTA:JobExecution",
          Dimensions: [["jobId"]],
          Metrics: [
            { Name: "FAILEDCount", Unit: "Count" },
            { Name: "downloadTime", Unit: "Seconds" },
          ],
        },
      ],
    },
    jobId: "fw-r1",
    FAILEDCount: 1,
    downloadTime: [30, 30, 45],
    ...extra,
  });

describe("parseEmf", () => {
  it("reads namespace, dimensions, units, values (equal ones counted) and the line's timestamp", () => {
    const { metrics, invalid } = parseEmf(`{"level":"INFO","message":"handled"}\n${line()}\n`);
    expect(invalid).toEqual([]);
    expect(metrics).toEqual([
      {
        namespace: "IoT:OTA:JobExecution",
        datum: {
          MetricName: "FAILEDCount",
          Dimensions: [{ Name: "jobId", Value: "fw-r1" }],
          Unit: "Count",
          Timestamp: new Date(1_764_000_000_000),
          Values: [1],
          Counts: [1],
        },
      },
      {
        namespace: "IoT:OTA:JobExecution",
        datum: {
          MetricName: "downloadTime",
          Dimensions: [{ Name: "jobId", Value: "fw-r1" }],
          Unit: "Seconds",
          Timestamp: new Date(1_764_000_000_000),
          Values: [30, 45],
          Counts: [2, 1],
        },
      },
    ]);
  });

  it("reports a line that claims EMF but whose dimension or value is missing, naming it", () => {
    const { metrics, invalid } = parseEmf([line({ jobId: undefined }), line({ FAILEDCount: "one" })]);
    expect(metrics).toEqual([]);
    expect(invalid.map((i) => i.reason)).toEqual([
      "dimension jobId must be a string member of the line",
      "FAILEDCount: the value must be a number or an array of numbers",
    ]);
  });
});

describe("shipEmf", () => {
  it("puts each namespace's metrics in one PutMetricData request", async () => {
    const mock = mockClient(CloudWatchClient);
    mock.on(PutMetricDataCommand).resolves({});
    const { sent } = await shipEmf(new CloudWatchClient({}), [line(), line({ jobId: "fw-r2" })]);
    expect(sent).toBe(4);
    const calls = mock.commandCalls(PutMetricDataCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input.Namespace).toBe("IoT:OTA:JobExecution");
    expect(calls[0]?.args[0].input.MetricData).toHaveLength(4);
    mock.restore();
  });
});

describe("captureStdout", () => {
  it("returns what was written to stdout and restores it", async () => {
    const write = process.stdout.write;
    const { result, output } = await captureStdout(async () => {
      process.stdout.write("a line\n");
      return 7;
    });
    expect({ result, output }).toEqual({ result: 7, output: "a line\n" });
    expect(process.stdout.write).toBe(write);
  });
});
