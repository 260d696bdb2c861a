// The ota-watch scene's stand-in for CloudWatch's alarm evaluation (aws-sdk-client-mock answering
// GetMetricStatistics as moto does, without percentiles): a percentile comes from the values shipped in each period
// and only when CloudWatch holds as many; M out of N over the window; a breach in the period just ended is not
// passed over; an upper alarm is not breached by low values, nor a lower one by high values.
import { CloudWatchClient, GetMetricStatisticsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { EmfMetric } from "@fleet/testing/emf";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { evaluateAlarm, percentile, valuesOf } from "../../src/scene-alarms";

const cloudWatchMock = mockClient(CloudWatchClient);
afterEach(() => {
  cloudWatchMock.reset();
});

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 29, 4, 0, 0);
const DIMENSIONS = [{ Name: "jobId", Value: "job-r1" }];

const alarm = (extra: Partial<MetricAlarm>): MetricAlarm => ({
  AlarmName: "ota-deploy-job-r1-owner-Slow",
  Namespace: "IoT:OTA:JobExecution",
  MetricName: "downloadTime",
  Dimensions: DIMENSIONS,
  ExtendedStatistic: "p99",
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 600,
  ComparisonOperator: "GreaterThanThreshold",
  ...extra,
});

/** What job-metrics' EMF becomes once parsed: one datum of `values` at `at`. */
const shippedAt = (at: number, values: number[], jobId = "job-r1"): EmfMetric => ({
  namespace: "IoT:OTA:JobExecution",
  datum: {
    MetricName: "downloadTime",
    Dimensions: [{ Name: "jobId", Value: jobId }],
    Timestamp: new Date(at),
    Values: values,
    Counts: values.map(() => 1),
  },
});

/** CloudWatch's datapoint of a period holding `values`. */
const datapoint = (start: number, values: number[]) => ({
  Timestamp: new Date(start),
  SampleCount: values.length,
  Sum: values.reduce((a, b) => a + b, 0),
  Minimum: Math.min(...values),
  Maximum: Math.max(...values),
});

describe("percentile", () => {
  it("is the nearest-rank value, none for no values", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe("valuesOf", () => {
  it("keeps the alarm's metric of its own job only, each value as often as counted", () => {
    const shipped = [
      shippedAt(T0, [30, 40]),
      shippedAt(T0, [900], "other-r1"),
      { ...shippedAt(T0, [5]), datum: { ...shippedAt(T0, [5]).datum, Values: [5], Counts: [3] } },
    ];
    expect(valuesOf(shipped, alarm({})).map((v) => v.value)).toEqual([30, 40, 5, 5, 5]);
  });
});

describe("evaluateAlarm", () => {
  it("computes a percentile from the values shipped in the period and breaches an upper alarm above its threshold", async () => {
    const values = [...Array.from({ length: 30 }, (_, i) => 20 + i), 912];
    cloudWatchMock.on(GetMetricStatisticsCommand).resolves({ Datapoints: [datapoint(T0, values)] });
    const evaluation = await evaluateAlarm(
      new CloudWatchClient({}),
      alarm({}),
      [shippedAt(T0 + 5_000, values)],
      T0 + 10_000,
    );
    expect(evaluation).toMatchObject({ breached: true, breaching: 1 });
    expect(evaluation.reason).toBe(
      "Threshold Crossed: 1 out of the last 1 datapoints [912] was greater than the threshold (600).",
    );
    // The window asked for: the current period and the one before it, on period boundaries.
    expect(cloudWatchMock.commandCalls(GetMetricStatisticsCommand)[0]?.args[0].input).toMatchObject({
      StartTime: new Date(T0 - MINUTE),
      EndTime: new Date(T0 + MINUTE),
      Period: 60,
      Statistics: ["SampleCount", "Sum", "Minimum", "Maximum"],
    });
  });

  it("does not breach a lower alarm with values above its threshold, nor an upper one below", async () => {
    cloudWatchMock.on(GetMetricStatisticsCommand).resolves({ Datapoints: [datapoint(T0, [50, 80])] });
    const shipped = [shippedAt(T0, [50, 80])];
    const client = new CloudWatchClient({});
    const lower = alarm({ Threshold: 10, ComparisonOperator: "LessThanThreshold" });
    expect((await evaluateAlarm(client, lower, shipped, T0 + 1000)).breached).toBe(false);
    expect((await evaluateAlarm(client, alarm({}), shipped, T0 + 1000)).breached).toBe(false);
  });

  it("sees a breach in the period that just ended (evaluated after the minute turned)", async () => {
    cloudWatchMock.on(GetMetricStatisticsCommand).resolves({ Datapoints: [datapoint(T0, [1200])] });
    const evaluation = await evaluateAlarm(
      new CloudWatchClient({}),
      alarm({ ExtendedStatistic: undefined, Statistic: "Maximum" }),
      [],
      T0 + MINUTE + 200,
    );
    expect(evaluation.breached).toBe(true);
  });

  it("needs M breaching datapoints out of N", async () => {
    cloudWatchMock.on(GetMetricStatisticsCommand).resolves({
      Datapoints: [datapoint(T0, [700]), datapoint(T0 + MINUTE, [100]), datapoint(T0 + 2 * MINUTE, [800])],
    });
    const client = new CloudWatchClient({});
    const threeOfFive = alarm({
      ExtendedStatistic: undefined,
      Statistic: "Average",
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
    });
    const now = T0 + 2 * MINUTE + 1000;
    expect(await evaluateAlarm(client, threeOfFive, [], now)).toMatchObject({
      breached: false,
      breaching: 2,
    });
    expect((await evaluateAlarm(client, { ...threeOfFive, DatapointsToAlarm: 2 }, [], now)).breached).toBe(
      true,
    );
  });

  it("refuses a percentile when CloudWatch holds other values than were shipped", async () => {
    cloudWatchMock.on(GetMetricStatisticsCommand).resolves({ Datapoints: [datapoint(T0, [30, 40, 900])] });
    await expect(
      evaluateAlarm(new CloudWatchClient({}), alarm({}), [shippedAt(T0, [30, 40])], T0 + 1000),
    ).rejects.toThrow(/CloudWatch holds 3 values, 2 were shipped/);
  });
});
