// AWS IoT's job and job-execution events as CloudWatch metrics (EMF through Powertools). Per job, the seed's
// names: namespace IoT:OTA:JobExecution, dimension jobId, `<status>Count` (1 an event), `downloadTime` and
// `retryCount` from the execution's status details — what a deployment's alarms watch. For the stack's dashboard,
// the same events summed over every job in the stack's own namespace (the handler's metrics: `Executions_<status>`,
// `DownloadTime`, `Jobs_<operation>`), which IoT:OTA:JobExecution cannot give: it is shared by every stack in the
// account. A malformed event is counted (`MalformedEvents`) and logged with its reason; the others still count.
import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import * as z from "zod/mini";
import {
  DETAIL_METRICS,
  EXECUTION_STATUSES,
  executionCountMetric,
  JOB_OPERATIONS,
  STACK_METRICS,
} from "../metric-names";

const jobId = z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be a job id"));
/** Seconds in AWS's samples; milliseconds are taken too (a value past 10^12 cannot be seconds). */
const timestamp = z.optional(z.number().check(z.minimum(0)));

const executionEvent = z.looseObject({
  eventType: z.literal("JOB_EXECUTION"),
  jobId,
  status: z.enum(EXECUTION_STATUSES),
  timestamp,
  thingArn: z.optional(z.string()),
  statusDetails: z.nullish(z.record(z.string(), z.unknown())),
});

const jobEvent = z.looseObject({
  eventType: z.literal("JOB"),
  jobId,
  operation: z.string(),
  timestamp,
});

const jobEventSchema = z.discriminatedUnion("eventType", [executionEvent, jobEvent]);

export interface JobMetricsDeps {
  /** Publishes one EMF line per event in IoT:OTA:JobExecution; no default dimension (see jobExecutionMetrics). */
  perJob: Pick<Metrics, "addDimension" | "addMetric" | "setTimestamp" | "publishStoredMetrics">;
  /** The handler's metrics (the stack's namespace), flushed by the handler wrapper. */
  stack: Pick<Metrics, "addMetric">;
  logger: { warn(message: string, fields: Record<string, unknown>): void };
  now?: () => number;
}

export interface JobMetricsResult {
  events: number;
  recorded: number;
  /** Job events of an operation not counted (deleted, *_in_progress). */
  ignored: number;
  malformed: number;
}

/** CloudWatch keeps EMF timestamps from 14 days back to 2 hours ahead; an event outside takes the current time. */
const PAST_MS = 14 * 24 * 3600_000;
const FUTURE_MS = 2 * 3600_000;

/** The rule delivers one event; a batch (an array) is taken too, each event on its own. */
export function recordJobEvents(input: unknown, deps: JobMetricsDeps): JobMetricsResult {
  const events = Array.isArray(input) ? input : [input];
  const now = deps.now?.() ?? Date.now();
  const result: JobMetricsResult = { events: events.length, recorded: 0, ignored: 0, malformed: 0 };
  const executions: Record<string, number> = {};
  const jobs: Record<string, number> = {};
  for (const [index, raw] of events.entries()) {
    const parsed = z.safeParse(jobEventSchema, raw);
    if (!parsed.success) {
      result.malformed++;
      deps.logger.warn("malformed job event", {
        index,
        reason: parsed.error.issues.map((i) => `${i.path.join(".") || "event"}: ${i.message}`).join("; "),
      });
      continue;
    }
    const event = parsed.data;
    const at = eventTime(event.timestamp, now);
    if (event.eventType === "JOB") {
      const operation = Object.hasOwn(JOB_OPERATIONS, event.operation)
        ? JOB_OPERATIONS[event.operation as keyof typeof JOB_OPERATIONS]
        : undefined;
      if (!operation) {
        result.ignored++;
        continue;
      }
      publish(deps, event.jobId, at, [[operation.perJob, MetricUnit.Count, 1]]);
      jobs[operation.stack] = (jobs[operation.stack] ?? 0) + 1;
      result.recorded++;
      continue;
    }
    const details = readDetails(event.statusDetails, deps, index);
    publish(deps, event.jobId, at, [
      [executionCountMetric(event.status), MetricUnit.Count, 1],
      ...(details.downloadTime === undefined
        ? []
        : [[DETAIL_METRICS.downloadTime, MetricUnit.Seconds, details.downloadTime] as const]),
      ...(details.retryCount === undefined
        ? []
        : [[DETAIL_METRICS.retryCount, MetricUnit.Count, details.retryCount] as const]),
    ]);
    executions[event.status] = (executions[event.status] ?? 0) + 1;
    if (details.downloadTime !== undefined)
      deps.stack.addMetric(STACK_METRICS.downloadTime, MetricUnit.Seconds, details.downloadTime);
    result.recorded++;
  }
  for (const [status, n] of Object.entries(executions))
    deps.stack.addMetric(`${STACK_METRICS.executionsPrefix}${status}`, MetricUnit.Count, n);
  for (const [name, n] of Object.entries(jobs)) deps.stack.addMetric(name, MetricUnit.Count, n);
  if (result.malformed > 0) deps.stack.addMetric(STACK_METRICS.malformed, MetricUnit.Count, result.malformed);
  return result;
}

type Metric = readonly [string, (typeof MetricUnit)[keyof typeof MetricUnit], number];

function publish(deps: JobMetricsDeps, id: string, at: number, metrics: Metric[]): void {
  deps.perJob.addDimension("jobId", id);
  deps.perJob.setTimestamp(at);
  for (const [name, unit, value] of metrics) deps.perJob.addMetric(name, unit, value);
  deps.perJob.publishStoredMetrics();
}

function eventTime(timestamp: number | undefined, now: number): number {
  if (timestamp === undefined) return now;
  const ms = timestamp < 1e12 ? timestamp * 1000 : timestamp;
  return ms >= now - PAST_MS && ms <= now + FUTURE_MS ? ms : now;
}

/** A status detail is a string (the API's map) or a number; only a finite value ≥ 0 is a measurement. */
function readDetails(
  details: Record<string, unknown> | null | undefined,
  deps: JobMetricsDeps,
  index: number,
): { downloadTime?: number; retryCount?: number } {
  const read: { downloadTime?: number; retryCount?: number } = {};
  for (const key of ["downloadTime", "retryCount"] as const) {
    const value = details?.[key];
    if (value === undefined) continue;
    const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
    if (typeof n === "number" && Number.isFinite(n) && n >= 0) read[key] = n;
    else deps.logger.warn("status detail is not a measurement", { index, detail: key, value: String(value) });
  }
  return read;
}
