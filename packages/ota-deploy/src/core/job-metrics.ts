// AWS IoT's job and job-execution events as CloudWatch metrics (EMF through Powertools). Per job, the seed's
// names: namespace IoT:OTA:JobExecution, dimension jobId, `<status>Count`, `downloadTime` and `retryCount` from
// the execution's status details — what a deployment's alarms watch. For the stack's dashboard, the same events
// summed over every job in the stack's own namespace (`Executions_<status>`, `DownloadTime`, `Jobs_<operation>`),
// which IoT:OTA:JobExecution cannot give: it is shared by every stack in the account.
// The rules queue the events and the handler takes an SQS batch at a time, so the metrics are aggregated per job
// and minute of the event: one EMF document per job and minute (split past EMF's 100 values a metric), not one
// per event. Counts stay one value of 1 per event, so SampleCount, Sum and Average of a count mean what they
// meant with one document per event; downloadTime and retryCount keep every value, so percentiles
// stay exact. A malformed event is counted (`MalformedEvents`) and logged with its reason; the others still count.
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  DETAIL_METRICS,
  EXECUTION_STATUSES,
  type ExecutionStatus,
  executionCountMetric,
  JOB_ID_DIMENSION,
  JOB_OPERATIONS,
  STACK_METRICS,
} from "../metric-names";

/** EMF's limit of values a metric per document. */
export const VALUES_PER_DOCUMENT = 100;
const MINUTE_MS = 60_000;
/** CloudWatch keeps EMF timestamps from 14 days back to 2 hours ahead; an event outside takes the current time. */
const PAST_MS = 14 * 24 * 3600_000;
const FUTURE_MS = 2 * 3600_000;
const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const STATUSES = new Set<string>(EXECUTION_STATUSES);

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];
/** Powertools builds and checks each document (namespace, dimensions, timestamp, names, units). */
type DocumentBuilder = Pick<Metrics, "addMetric" | "setTimestamp" | "serializeMetrics" | "clearMetrics">;

export interface JobMetricsDeps {
  /** IoT:OTA:JobExecution with no default dimension: jobId is added per document. */
  perJob: DocumentBuilder & Pick<Metrics, "addDimension" | "clearDimensions">;
  /** The handler's metrics (the stack's namespace, dimension service): one document per minute; without it, none. */
  stack?: DocumentBuilder;
  /** Writes one EMF document (a JSON line on stdout in Lambda). */
  write: (line: string) => void;
  logger: { warn(message: string, fields: Record<string, unknown>): void };
  now?: () => number;
}

export interface JobMetricsResult {
  events: number;
  recorded: number;
  /** Job events of an operation not counted (deleted, *_in_progress). */
  ignored: number;
  malformed: number;
  /** EMF documents published per job (IoT:OTA:JobExecution). */
  documents: number;
}

/** One event as delivered: an SQS record's body (JSON) and id, or an event object given as is. */
interface Delivered {
  id: string;
  body?: string;
  event?: unknown;
}

const recordsOf = (input: unknown) => (input as { Records?: unknown } | null)?.Records;

/** Lambda's SQS event: the handler answers it with `batchItemFailures`. */
export const isSqsEvent = (input: unknown) => Array.isArray(recordsOf(input));

/** An SQS event (the rules' queue), or one event or an array of them (a console test, `./run invoke`). */
function delivered(input: unknown): Delivered[] {
  const records = recordsOf(input);
  if (Array.isArray(records))
    return records.map((record, index) => {
      const { messageId, body } = (record ?? {}) as { messageId?: unknown; body?: unknown };
      const id = typeof messageId === "string" ? messageId : `record ${index}`;
      return typeof body === "string" ? { id, body } : { id, event: undefined };
    });
  return (Array.isArray(input) ? input : [input]).map((event, index) => ({ id: `event ${index}`, event }));
}

type JobEvent =
  | {
      eventType: "JOB_EXECUTION";
      jobId: string;
      status: ExecutionStatus;
      timestamp?: number;
      statusDetails?: Record<string, unknown> | null;
    }
  | { eventType: "JOB"; jobId: string; operation: string; timestamp?: number };

/** The event, or why it is not one (a field and what it must be): checked by hand, it runs for every event. */
export function readJobEvent(raw: unknown): JobEvent | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "event: must be an object";
  const event = raw as Record<string, unknown>;
  if (event.eventType !== "JOB_EXECUTION" && event.eventType !== "JOB")
    return "eventType: must be JOB_EXECUTION or JOB";
  if (typeof event.jobId !== "string" || !JOB_ID.test(event.jobId)) return "jobId: must be a job id";
  const { timestamp } = event;
  if (timestamp !== undefined && !(typeof timestamp === "number" && timestamp >= 0))
    return "timestamp: must be a number ≥ 0";
  if (event.eventType === "JOB")
    return typeof event.operation === "string" ? (event as JobEvent) : "operation: must be a string";
  if (typeof event.status !== "string" || !STATUSES.has(event.status))
    return `status: must be one of ${EXECUTION_STATUSES.join(", ")}`;
  const details = event.statusDetails;
  if (details !== undefined && details !== null && (typeof details !== "object" || Array.isArray(details)))
    return "statusDetails: must be an object";
  return event as JobEvent;
}

/** Values per metric name, in arrival order; a count is one 1 per event. */
class Series {
  readonly values = new Map<string, { unit: Unit; values: number[] }>();
  add(name: string, unit: Unit, value: number): void {
    const series = this.values.get(name);
    if (series) series.values.push(value);
    else this.values.set(name, { unit, values: [value] });
  }
}

/**
 * Publishes `series` as documents of at most VALUES_PER_DOCUMENT values a metric. Powertools is given each
 * metric's first value of the document, builds and checks the document, and the whole array replaces that value:
 * its addMetric costs about a microsecond a value (and copies the array each time), which at a thousand events a
 * batch would cost more than everything else the handler does.
 */
function publishSeries(
  target: DocumentBuilder,
  series: Series,
  minute: number,
  write: JobMetricsDeps["write"],
): number {
  let longest = 0;
  for (const { values } of series.values.values()) longest = Math.max(longest, values.length);
  let documents = 0;
  for (let start = 0; start < longest; start += VALUES_PER_DOCUMENT) {
    target.setTimestamp(minute);
    const chunks: [string, number[]][] = [];
    for (const [name, { unit, values }] of series.values) {
      if (start >= values.length) continue;
      const chunk = values.slice(start, start + VALUES_PER_DOCUMENT);
      target.addMetric(name, unit, chunk[0] as number);
      chunks.push([name, chunk]);
    }
    const document = target.serializeMetrics() as unknown as Record<string, unknown>;
    target.clearMetrics();
    for (const [name, chunk] of chunks) document[name] = chunk.length === 1 ? chunk[0] : chunk;
    write(JSON.stringify(document));
    documents++;
  }
  return documents;
}

export function recordJobEvents(input: unknown, deps: JobMetricsDeps): JobMetricsResult {
  const now = deps.now?.() ?? Date.now();
  const events = delivered(input);
  const result: JobMetricsResult = {
    events: events.length,
    recorded: 0,
    ignored: 0,
    malformed: 0,
    documents: 0,
  };
  const perJob = new Map<string, { jobId: string; minute: number; series: Series }>();
  const perStack = new Map<number, { counts: Map<string, number>; series: Series }>();
  const stackAt = (minute: number) => {
    let bucket = perStack.get(minute);
    if (!bucket) {
      bucket = { counts: new Map(), series: new Series() };
      perStack.set(minute, bucket);
    }
    return bucket;
  };
  const count = (counts: Map<string, number>, name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

  for (const { id, body, event: given } of events) {
    let event: JobEvent | string;
    if (body === undefined) event = given === undefined ? "body: missing" : readJobEvent(given);
    else {
      try {
        event = readJobEvent(JSON.parse(body));
      } catch {
        event = "body: not JSON";
      }
    }
    if (typeof event === "string") {
      result.malformed++;
      deps.logger.warn("malformed job event", { messageId: id, reason: event });
      continue;
    }
    const minute = minuteOf(event.timestamp, now);
    let operation: (typeof JOB_OPERATIONS)[keyof typeof JOB_OPERATIONS] | undefined;
    if (event.eventType === "JOB") {
      operation = Object.hasOwn(JOB_OPERATIONS, event.operation)
        ? JOB_OPERATIONS[event.operation as keyof typeof JOB_OPERATIONS]
        : undefined;
      if (!operation) {
        result.ignored++;
        continue;
      }
    }
    const key = `${event.jobId} ${minute}`;
    let job = perJob.get(key);
    if (!job) {
      job = { jobId: event.jobId, minute, series: new Series() };
      perJob.set(key, job);
    }
    const stack = stackAt(minute);
    result.recorded++;
    if (operation) {
      job.series.add(operation.perJob, MetricUnit.Count, 1);
      count(stack.counts, operation.stack);
      continue;
    }
    const execution = event as Extract<JobEvent, { eventType: "JOB_EXECUTION" }>;
    job.series.add(executionCountMetric(execution.status), MetricUnit.Count, 1);
    count(stack.counts, `${STACK_METRICS.executionsPrefix}${execution.status}`);
    const details = execution.statusDetails;
    if (!details) continue;
    const downloadTime = measurement(details, "downloadTime", id, deps);
    if (downloadTime !== undefined) {
      job.series.add(DETAIL_METRICS.downloadTime, MetricUnit.Seconds, downloadTime);
      stack.series.add(STACK_METRICS.downloadTime, MetricUnit.Seconds, downloadTime);
    }
    const retryCount = measurement(details, "retryCount", id, deps);
    if (retryCount !== undefined) job.series.add(DETAIL_METRICS.retryCount, MetricUnit.Count, retryCount);
  }
  if (result.malformed > 0)
    stackAt(Math.floor(now / MINUTE_MS) * MINUTE_MS).counts.set(STACK_METRICS.malformed, result.malformed);

  for (const { jobId, minute, series } of perJob.values()) {
    deps.perJob.addDimension(JOB_ID_DIMENSION, jobId);
    result.documents += publishSeries(deps.perJob, series, minute, deps.write);
    deps.perJob.clearDimensions();
  }
  // The stack's counts are sums (one value a minute); its download times every value, for its percentiles.
  const { stack } = deps;
  if (stack)
    for (const [minute, { counts, series }] of perStack) {
      for (const [name, n] of counts) series.add(name, MetricUnit.Count, n);
      publishSeries(stack, series, minute, deps.write);
    }
  return result;
}

/** The start of the event's minute (seconds in AWS's samples; a value past 10^12 cannot be seconds). */
function minuteOf(timestamp: number | undefined, now: number): number {
  let ms = timestamp === undefined ? now : timestamp < 1e12 ? timestamp * 1000 : timestamp;
  if (ms < now - PAST_MS || ms > now + FUTURE_MS) ms = now;
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** A status detail is a string (the API's map) or a number; only a finite value ≥ 0 is a measurement. */
function measurement(
  details: Record<string, unknown>,
  key: "downloadTime" | "retryCount",
  id: string,
  deps: JobMetricsDeps,
): number | undefined {
  const value = details[key];
  if (value === undefined) return undefined;
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n === "number" && Number.isFinite(n) && n >= 0) return n;
  deps.logger.warn("status detail is not a measurement", {
    messageId: id,
    detail: key,
    value: String(value),
  });
  return undefined;
}
