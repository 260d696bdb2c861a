// CloudWatch's alarm evaluation, which the emulator lacks, done by the scene from what CloudWatch holds: an
// alarm's datapoints over its evaluation window read back (GetMetricStatistics), compared with its threshold, M out
// of N. moto answers SampleCount, Sum, Minimum and Maximum but no percentile (ExtendedStatistics), so a percentile
// is computed from the values shipped to CloudWatch in each period, after checking CloudWatch holds exactly as many.
import {
  type CloudWatchClient,
  type Datapoint,
  GetMetricStatisticsCommand,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import type { EmfMetric } from "@fleet/testing/emf";

/** The nearest-rank percentile p (0–100) of `values`; undefined for none. */
export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

/** Each value of the shipped metrics named like `alarm`'s (namespace, name, dimensions), with its time. */
export function valuesOf(
  shipped: EmfMetric[],
  metric: Pick<MetricAlarm, "Namespace" | "MetricName" | "Dimensions">,
): { value: number; at: number }[] {
  const key = (dimensions: { Name?: string; Value?: string }[] = []) =>
    JSON.stringify(dimensions.map((d) => [d.Name, d.Value]).sort());
  return shipped
    .filter(
      ({ namespace, datum }) =>
        namespace === metric.Namespace &&
        datum.MetricName === metric.MetricName &&
        key(datum.Dimensions) === key(metric.Dimensions),
    )
    .flatMap(({ datum }) =>
      (datum.Values ?? []).flatMap((value, i) =>
        Array<{ value: number; at: number }>(datum.Counts?.[i] ?? 1).fill({
          value,
          at: (datum.Timestamp as Date).getTime(),
        }),
      ),
    );
}

export interface AlarmEvaluation {
  /** The alarm's statistic over each period of its window that holds data, oldest first. */
  datapoints: { start: Date; value: number }[];
  breaching: number;
  /** M of "M out of N" breaching: CloudWatch would set the alarm to ALARM. */
  breached: boolean;
  /** CloudWatch's wording of the state reason. */
  reason: string;
}

const BREACHES: Record<string, (value: number, threshold: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

/**
 * Evaluates `alarm` as CloudWatch would have at the end of the previous period and as it would at the end of the
 * current one (missing data not breaching): called at least once a period, no period is passed over. `shipped`:
 * every metric shipped to CloudWatch, for a percentile statistic.
 */
export async function evaluateAlarm(
  cloudWatch: CloudWatchClient,
  alarm: MetricAlarm,
  shipped: EmfMetric[],
  now = Date.now(),
): Promise<AlarmEvaluation> {
  const periodMs = (alarm.Period as number) * 1000;
  const periods = alarm.EvaluationPeriods as number;
  const end = Math.floor(now / periodMs) * periodMs + periodMs;
  const { Datapoints = [] } = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: alarm.Namespace,
      MetricName: alarm.MetricName,
      Dimensions: alarm.Dimensions,
      StartTime: new Date(end - (periods + 1) * periodMs),
      EndTime: new Date(end),
      Period: alarm.Period,
      Statistics: ["SampleCount", "Sum", "Minimum", "Maximum"],
    }),
  );
  const values = valuesOf(shipped, alarm);
  const datapoints = Datapoints.map((d) => ({
    start: d.Timestamp as Date,
    value: statistic(alarm, d, values, periodMs),
  })).sort((a, b) => a.start.getTime() - b.start.getTime());
  const breaches = BREACHES[alarm.ComparisonOperator as string];
  if (!breaches)
    throw new Error(`${alarm.AlarmName}: comparison ${alarm.ComparisonOperator} not evaluated here`);
  const needed = alarm.DatapointsToAlarm ?? periods;
  const comparison = alarm.ComparisonOperator?.startsWith("Greater") ? "greater" : "less";
  // The window ending with the previous period first, then the one ending with the current period.
  const windows = [end - periodMs, end].map((windowEnd) =>
    datapoints.filter(
      (d) =>
        d.start.getTime() >= windowEnd - periods * periodMs &&
        d.start.getTime() < windowEnd &&
        breaches(d.value, alarm.Threshold as number),
    ),
  );
  const breaching = windows.find((window) => window.length >= needed) ?? (windows[1] as typeof datapoints);
  return {
    datapoints,
    breaching: breaching.length,
    breached: breaching.length >= needed,
    reason: `Threshold Crossed: ${breaching.length} out of the last ${periods} datapoints [${breaching.map((d) => d.value).join(", ")}] was ${comparison} than the threshold (${alarm.Threshold}).`,
  };
}

/** The alarm's statistic of one period: read back, or a percentile of the values CloudWatch counted in it. */
function statistic(
  alarm: MetricAlarm,
  datapoint: Datapoint,
  values: { value: number; at: number }[],
  periodMs: number,
): number {
  const { SampleCount = 0, Sum = 0, Minimum = 0, Maximum = 0 } = datapoint;
  const read: Record<string, number> = { SampleCount, Sum, Minimum, Maximum, Average: Sum / SampleCount };
  if (alarm.Statistic) return read[alarm.Statistic] as number;
  const start = (datapoint.Timestamp as Date).getTime();
  const inPeriod = values.filter((v) => v.at >= start && v.at < start + periodMs).map((v) => v.value);
  if (inPeriod.length !== SampleCount) {
    throw new Error(
      `${alarm.MetricName} at ${datapoint.Timestamp?.toISOString()}: CloudWatch holds ${SampleCount} values, ${inPeriod.length} were shipped`,
    );
  }
  return percentile(inPeriod, Number(alarm.ExtendedStatistic?.slice(1))) as number;
}
