// One device message → one clean record, or the reason it is invalid or dropped: the message type its topic
// matches, the device id, ISO-8601 UTC timestamps, the configured fields validated, selected, renamed, typed and
// flattened. Pure: no I/O, never throws for bad data.
import type { FieldMapping, FieldType, MessageType } from "./config";

export type OutputRecord = Record<string, unknown>;

export type Normalized =
  | { kind: "ok"; record: OutputRecord; deviceId: string; timestamp: string }
  | { kind: "dropped" }
  | { kind: "invalid"; reason: string };

/** Thing names' characters: a device id becomes an S3 prefix, so nothing else (no `/`, no `..`) may pass. */
const DEVICE_ID = /^[a-zA-Z0-9:_-]{1,128}$/;
/** Epoch numbers below this are seconds (year 5138 in ms, 1973 in s). */
const SECONDS_BELOW = 1e11;
/** An ISO-8601 date-time with a zone: a time without one is ambiguous. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

const invalid = (reason: string): Normalized => ({ kind: "invalid", reason });

export function valueAt(message: Record<string, unknown>, path: string): unknown {
  if (!path.includes(".")) return message[path];
  let value: unknown = message;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Epoch ms or the reason the value is no timestamp. */
export function toEpochMs(value: unknown, unit: "auto" | "s" | "ms" | "iso" = "auto"): number | string {
  let ms: number;
  if (typeof value === "number" && unit !== "iso") {
    ms = unit === "s" || (unit === "auto" && Math.abs(value) < SECONDS_BELOW) ? value * 1000 : value;
  } else if (typeof value === "string" && unit !== "s" && unit !== "ms" && ISO_WITH_ZONE.test(value)) {
    ms = Date.parse(value);
  } else {
    if (unit === "s" || unit === "ms") return `is not a timestamp (epoch ${unit})`;
    return unit === "iso" || typeof value === "string"
      ? "is not an ISO-8601 date-time with a zone"
      : "is not a timestamp (epoch seconds or ms, or ISO-8601)";
  }
  // Date's own range; beyond it there is no ISO string.
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? Math.round(ms) : "is out of range";
}

/** The value as `type`, or undefined when it cannot be one (no silent rounding or truncation). */
function coerce(value: unknown, type: FieldType): unknown {
  switch (type) {
    case "string":
      return typeof value === "string"
        ? value
        : typeof value === "number" || typeof value === "boolean"
          ? String(value)
          : undefined;
    case "number": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      return typeof n === "number" && Number.isFinite(n) ? n : undefined;
    }
    case "integer": {
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      return typeof n === "number" && Number.isSafeInteger(n) ? n : undefined;
    }
    case "boolean":
      return typeof value === "boolean"
        ? value
        : value === "true"
          ? true
          : value === "false"
            ? false
            : undefined;
    case "timestamp": {
      const ms = toEpochMs(value);
      return typeof ms === "number" ? new Date(ms).toISOString() : undefined;
    }
    case "json":
      return JSON.stringify(value);
  }
}

/** Leaves of an object as `<prefix>_<key>` (nested keys joined with `_`); arrays are leaves. */
function flattenInto(target: OutputRecord, prefix: string, value: Record<string, unknown>): void {
  for (const [key, inner] of Object.entries(value)) {
    const column = `${prefix}_${key}`;
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner))
      flattenInto(target, column, inner as Record<string, unknown>);
    else target[column] = inner;
  }
}

/** Writes one mapped field into `record`; returns why the message is invalid, or undefined. */
function mapField(
  record: OutputRecord,
  message: Record<string, unknown>,
  field: FieldMapping,
): string | undefined {
  const source = field.from ?? field.name;
  const value = valueAt(message, source);
  if (value === undefined || value === null) return field.required ? `field ${source} is missing` : undefined;
  if (field.flatten) {
    if (typeof value !== "object" || Array.isArray(value))
      return `field ${source} is not an object to flatten`;
    flattenInto(record, field.name, value as Record<string, unknown>);
    return undefined;
  }
  if (field.type === undefined) {
    record[field.name] = value;
    return undefined;
  }
  const typed = coerce(value, field.type);
  if (typed === undefined)
    return `field ${source} is not a ${field.type}: ${JSON.stringify(value).slice(0, 60)}`;
  record[field.name] = typed;
  return undefined;
}

function dropped(message: Record<string, unknown>, type: MessageType): boolean {
  return type.drop.some(({ field, equals }) => {
    const value = valueAt(message, field);
    return Array.isArray(equals) ? equals.includes(value as never) : value === equals;
  });
}

function deviceIdOf(message: Record<string, unknown>, topic: string, type: MessageType): string | undefined {
  const source = type.deviceId;
  const id =
    "topicLevel" in source ? topic.split("/")[source.topicLevel - 1] : valueAt(message, source.field);
  return typeof id === "string" ? id : typeof id === "number" ? String(id) : undefined;
}

/**
 * Normalises one parsed message. `matchType` finds the message type of a topic; `arrivalMs` is when Firehose
 * received the record, the timestamp of last resort.
 */
export function normalizeMessage(
  message: unknown,
  matchType: (topic: string) => MessageType | undefined,
  arrivalMs: number | undefined,
): Normalized {
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    return invalid(
      `a JSON ${Array.isArray(message) ? "array" : message === null ? "null" : typeof message}, expected an object`,
    );
  }
  const fields = message as Record<string, unknown>;
  const topic = fields.topic;
  if (typeof topic !== "string" || topic === "")
    return invalid("topic is missing (the rule's SELECT topic() AS topic)");
  const type = matchType(topic);
  if (!type) return invalid(`topic ${topic} matches no configured message type`);
  if (dropped(fields, type)) return { kind: "dropped" };

  const deviceId = deviceIdOf(fields, topic, type);
  if (deviceId === undefined || !DEVICE_ID.test(deviceId)) {
    return invalid(
      `device id ${JSON.stringify(deviceId ?? null)} is not 1-128 letters, digits, ':', '_' or '-'`,
    );
  }
  const received = fields.receivedAt === undefined ? arrivalMs : toEpochMs(fields.receivedAt, "ms");
  if (typeof received === "string") return invalid(`receivedAt ${received}`);
  const own = type.timestamp
    ? toEpochMs(valueAt(fields, type.timestamp.field), type.timestamp.unit)
    : received;
  if (typeof own === "string") return invalid(`field ${type.timestamp?.field} ${own}`);
  if (own === undefined) return invalid("no timestamp: neither the message nor the record carries one");

  const timestamp = new Date(own).toISOString();
  const record: OutputRecord = { topic, deviceId, timestamp };
  if (received !== undefined) record.receivedAt = new Date(received).toISOString();
  if (type.fields) {
    for (const field of type.fields) {
      const problem = mapField(record, fields, field);
      if (problem) return invalid(problem);
    }
  } else {
    for (const [key, value] of Object.entries(fields))
      if (!(key in record) && key !== "receivedAt") record[key] = value;
  }
  return { kind: "ok", record, deviceId, timestamp };
}
