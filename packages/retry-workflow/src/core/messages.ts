// What the IoT rules deliver, as outcomes: a device's own message on iot/device/data (the seed's payload, as it
// is) or an AWS IoT job-execution event. Which of the two a message is comes from the `ruleSource` field its rule
// stamps in the SQL, never from the body's shape: a device cannot pass its own message off as a job event. A
// message the rules' error action kept (redriven from the dead-letter queue) is unwrapped to the original.
// Anything else is refused with its reason, before any AWS call.
import { plausibleDeviceTime, THING_NAME } from "@fleet/shared-aws";
import type { FailureSource } from "../config";

export type OutcomeKind = "failed" | "succeeded";

export interface Outcome {
  deviceId: string;
  kind: OutcomeKind;
  /** When it happened, epoch ms (the device's timestamp, or the event's). */
  at: number;
  /** Identifies the message for deduplication: a redelivered message is recorded once. */
  key: string;
  source: FailureSource;
  /** What the history shows about it. */
  detail: string;
}

export type Parsed = { ok: true; outcome: Outcome } | { ok: false; reason: string };

const JOB_STATUSES: Record<string, OutcomeKind> = {
  FAILED: "failed",
  TIMED_OUT: "failed",
  REJECTED: "failed",
  SUCCEEDED: "succeeded",
};
const DEVICE_STATUSES: Record<string, OutcomeKind> = { failed: "failed", succeeded: "succeeded" };

const refuse = (reason: string): Parsed => ({ ok: false, reason });
const text = (value: unknown) =>
  typeof value === "string" || typeof value === "number" ? String(value) : undefined;

/** A whole number of ms or s since the epoch, as a number or a string of digits. */
function instant(value: unknown, unitMs: number): number | undefined {
  const digits = text(value);
  if (digits === undefined || !/^\d{1,16}$/.test(digits)) return undefined;
  const at = Number(digits) * unitMs;
  return Number.isSafeInteger(at) ? at : undefined;
}

/** Why the instant is implausible (a wrong unit, a clock never set), or undefined. */
function implausible(field: unknown, at: number): string | undefined {
  if (plausibleDeviceTime(at, Date.now())) return undefined;
  return `timestamp ${JSON.stringify(field)} is not between 2000 and a day from now`;
}

function deviceMessage(message: Record<string, unknown>): Parsed {
  const deviceId = message._id_;
  if (typeof deviceId !== "string" || deviceId === "") return refuse("_id_ is missing");
  if (!THING_NAME.test(deviceId)) return refuse(`_id_ ${JSON.stringify(deviceId)} is not a thing name`);
  const at = instant(message.timestamp, 1);
  if (at === undefined)
    return refuse(`timestamp ${JSON.stringify(message.timestamp)} is not epoch milliseconds`);
  const wrong = implausible(message.timestamp, at);
  if (wrong) return refuse(wrong);
  const kind = DEVICE_STATUSES[String(message.status)];
  if (!kind) return refuse(`status ${JSON.stringify(message.status)} is neither failed nor succeeded`);
  const firmware = [text(message.model), text(message.FW)].filter(Boolean).join(" ");
  return {
    ok: true,
    outcome: {
      deviceId,
      kind,
      at,
      key: `device:${at}:${kind}`,
      source: "device-data",
      detail: firmware ? `device reported ${kind} (${firmware})` : `device reported ${kind}`,
    },
  };
}

function jobExecutionEvent(event: Record<string, unknown>): Parsed {
  const thing = /:thing\/([^/]+)$/.exec(String(event.thingArn ?? ""))?.[1];
  if (!thing || !THING_NAME.test(thing)) return refuse("thingArn is missing or names no thing");
  const at = instant(event.timestamp, 1000);
  if (at === undefined) return refuse(`timestamp ${JSON.stringify(event.timestamp)} is not epoch seconds`);
  const wrong = implausible(event.timestamp, at);
  if (wrong) return refuse(wrong);
  const kind = JOB_STATUSES[String(event.status)];
  if (!kind) return refuse(`job execution status ${JSON.stringify(event.status)} is not counted`);
  const jobId = text(event.jobId) ?? "?";
  return {
    ok: true,
    outcome: {
      deviceId: thing,
      kind,
      at,
      key: `job:${jobId}:${text(event.eventId) ?? at}`,
      source: "job-executions",
      detail: `job ${jobId} execution ${String(event.status)}`,
    },
  };
}

/** The field each rule's SQL adds, naming its source (the device-data rule selects the payload's fields by name). */
export const RULE_SOURCE_FIELD = "ruleSource";
/** The topics of job-execution events: only AWS IoT publishes there. */
const JOB_EVENTS_TOPIC = /^\$aws\/events\/jobExecution\//;

export interface SourceFilter {
  sources: readonly FailureSource[];
  /** Job-execution events of other jobs are ignored (empty: every job). */
  jobIdPrefix?: string;
}

function objectOf(body: string): Record<string, unknown> | string {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return "the message is not JSON";
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return "the message is not a JSON object";
  }
  return message as Record<string, unknown>;
}

/**
 * The message and its source. A rule's error action wraps the original payload (before the SQL) with the topic:
 * the topic then says the source. A message without a stamp is a device's (the job rule always stamps its own).
 */
function sourced(
  fields: Record<string, unknown>,
): { fields: Record<string, unknown>; source: string } | string {
  if (typeof fields.base64OriginalPayload === "string" && typeof fields.topic === "string") {
    const original = objectOf(Buffer.from(fields.base64OriginalPayload, "base64").toString("utf8"));
    if (typeof original === "string") return `the rule's kept payload: ${original}`;
    return {
      fields: original,
      source: JOB_EVENTS_TOPIC.test(fields.topic) ? "job-executions" : "device-data",
    };
  }
  return { fields, source: String(fields[RULE_SOURCE_FIELD] ?? "device-data") };
}

/** The outcome a rule's message reports, or why it is refused; only outcomes of the filter's sources are accepted. */
export function parseMessage(body: string, filter: SourceFilter): Parsed {
  const message = objectOf(body);
  if (typeof message === "string") return refuse(message);
  const found = sourced(message);
  if (typeof found === "string") return refuse(found);
  const { fields, source } = found;
  if (source !== "device-data" && source !== "job-executions") {
    return refuse(`${RULE_SOURCE_FIELD} ${JSON.stringify(source)} is no failure source`);
  }
  if (!filter.sources.includes(source)) {
    return refuse(`source ${source} is not counted in this stack (FAILURE_SOURCES)`);
  }
  if (source === "device-data") return deviceMessage(fields);
  const prefix = filter.jobIdPrefix ?? "";
  if (!String(fields.jobId ?? "").startsWith(prefix)) {
    return refuse(`job ${JSON.stringify(fields.jobId)} is not one of this stack's (JOB_ID_PREFIX ${prefix})`);
  }
  return jobExecutionEvent(fields);
}
