// What CloudWatch Logs does with a Lambda's EMF lines on AWS, done locally: each line of the CloudWatch Embedded
// Metric Format (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
// becomes PutMetricData in the emulator, with the same namespace, dimensions, unit, values and timestamp, so tests
// and the demo read metrics back as an operator would. Other lines (logs) are passed over; a line that claims to
// be EMF and is not is reported, not guessed at.
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";

export interface EmfMetric {
  namespace: string;
  datum: MetricDatum;
}

export interface ParsedEmf {
  metrics: EmfMetric[];
  /** Lines with an `_aws` block that are not valid EMF, with the reason. */
  invalid: { line: string; reason: string }[];
}

/** PutMetricData takes up to 1000 datums a request, and up to 150 distinct values a datum. */
const MAX_DATUMS = 1000;
const MAX_VALUES = 150;

type Directive = { Namespace?: unknown; Dimensions?: unknown; Metrics?: unknown };

/** Reads EMF from a captured output (a string) or from lines. */
export function parseEmf(input: string | Iterable<string>): ParsedEmf {
  const lines = typeof input === "string" ? input.split("\n") : input;
  const parsed: ParsedEmf = { metrics: [], invalid: [] };
  for (const raw of lines) {
    const line = raw.trim();
    if (!line.startsWith("{") || !line.includes('"_aws"')) continue;
    try {
      parsed.metrics.push(...emfLine(JSON.parse(line)));
    } catch (error) {
      parsed.invalid.push({ line, reason: (error as Error).message });
    }
  }
  return parsed;
}

function emfLine(document: Record<string, unknown>): EmfMetric[] {
  const aws = document._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
  if (typeof aws?.Timestamp !== "number") throw new Error("_aws.Timestamp must be epoch milliseconds");
  if (!Array.isArray(aws.CloudWatchMetrics)) throw new Error("_aws.CloudWatchMetrics must be an array");
  const timestamp = new Date(aws.Timestamp);
  return (aws.CloudWatchMetrics as Directive[]).flatMap((directive) => {
    if (typeof directive.Namespace !== "string" || directive.Namespace === "")
      throw new Error("CloudWatchMetrics[].Namespace must be a string");
    const dimensionSets = (directive.Dimensions ?? []) as unknown[];
    if (!Array.isArray(dimensionSets)) throw new Error("CloudWatchMetrics[].Dimensions must be an array");
    const sets = dimensionSets.length > 0 ? (dimensionSets as string[][]) : [[]];
    const definitions = (directive.Metrics ?? []) as {
      Name?: unknown;
      Unit?: unknown;
      StorageResolution?: unknown;
    }[];
    return definitions.flatMap((definition) => {
      const name = definition.Name;
      if (typeof name !== "string") throw new Error("CloudWatchMetrics[].Metrics[].Name must be a string");
      const value = document[name];
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0 || values.some((v) => typeof v !== "number" || !Number.isFinite(v)))
        throw new Error(`${name}: the value must be a number or an array of numbers`);
      // One metric per dimension set, as CloudWatch Logs extracts them.
      return sets.map((set) => ({
        namespace: directive.Namespace as string,
        datum: {
          MetricName: name,
          Dimensions: set.map((dimension) => {
            const dimensionValue = document[dimension];
            if (typeof dimensionValue !== "string")
              throw new Error(`dimension ${dimension} must be a string member of the line`);
            return { Name: dimension, Value: dimensionValue };
          }),
          Unit: (typeof definition.Unit === "string" ? definition.Unit : "None") as MetricDatum["Unit"],
          ...(definition.StorageResolution === 1 ? { StorageResolution: 1 } : {}),
          Timestamp: timestamp,
          ...valuesAndCounts(values as number[]),
        },
      }));
    });
  });
}

/** Equal values folded into one with its count, as CloudWatch stores them. */
function valuesAndCounts(values: number[]): Pick<MetricDatum, "Values" | "Counts"> {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return { Values: [...counts.keys()], Counts: [...counts.values()] };
}

/** Sends what parseEmf read, namespace by namespace; returns the datums sent and the invalid lines. */
export async function shipEmf(
  cloudwatch: CloudWatchClient,
  input: string | Iterable<string>,
): Promise<{ sent: number; invalid: ParsedEmf["invalid"] }> {
  const { metrics, invalid } = parseEmf(input);
  const byNamespace = new Map<string, MetricDatum[]>();
  for (const { namespace, datum } of metrics) {
    const data = byNamespace.get(namespace) ?? [];
    data.push(...splitValues(datum));
    byNamespace.set(namespace, data);
  }
  for (const [Namespace, data] of byNamespace)
    for (let i = 0; i < data.length; i += MAX_DATUMS)
      await cloudwatch.send(
        new PutMetricDataCommand({ Namespace, MetricData: data.slice(i, i + MAX_DATUMS) }),
      );
  return { sent: metrics.length, invalid };
}

function splitValues(datum: MetricDatum): MetricDatum[] {
  const values = datum.Values ?? [];
  if (values.length <= MAX_VALUES) return [datum];
  const parts: MetricDatum[] = [];
  for (let i = 0; i < values.length; i += MAX_VALUES)
    parts.push({
      ...datum,
      Values: values.slice(i, i + MAX_VALUES),
      Counts: datum.Counts?.slice(i, i + MAX_VALUES),
    });
  return parts;
}

/**
 * Runs `work` with everything written to stdout captured (and not printed): a handler's EMF lines, which
 * Powertools writes through its own Console on process.stdout.
 */
export async function captureStdout<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    const callback = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  try {
    const result = await work();
    return { result, output: chunks.join("") };
  } finally {
    process.stdout.write = write;
  }
}
