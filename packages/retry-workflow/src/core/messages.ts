// What the IoT rules deliver, as outcomes: a device's own message on iot/device/data (the seed's payload, as it
// is) or an AWS IoT job-execution event. Anything else is refused with its reason, before any AWS call.
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

const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
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

function deviceMessage(message: Record<string, unknown>): Parsed {
  const deviceId = message._id_;
  if (typeof deviceId !== "string" || deviceId === "") return refuse("_id_ is missing");
  if (!THING_NAME.test(deviceId)) return refuse(`_id_ ${JSON.stringify(deviceId)} is not a thing name`);
  const at = instant(message.timestamp, 1);
  if (at === undefined)
    return refuse(`timestamp ${JSON.stringify(message.timestamp)} is not epoch milliseconds`);
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

/** The outcome a rule's message reports, or why it is refused; only outcomes of `sources` are accepted. */
export function parseMessage(body: string, sources: readonly FailureSource[]): Parsed {
  let message: unknown;
  try {
    message = JSON.parse(body);
  } catch {
    return refuse("the message is not JSON");
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return refuse("the message is not a JSON object");
  }
  const fields = message as Record<string, unknown>;
  const parsed = fields.eventType === "JOB_EXECUTION" ? jobExecutionEvent(fields) : deviceMessage(fields);
  if (parsed.ok && !sources.includes(parsed.outcome.source)) {
    return refuse(`source ${parsed.outcome.source} is not counted in this stack (FAILURE_SOURCES)`);
  }
  return parsed;
}
