// One device message → one clean record, or the reason it is invalid or dropped: the message type its topic
// matches, the device id, ISO-8601 UTC timestamps, the configured fields validated, selected, renamed, typed and
// flattened. Pure: no I/O, never throws for bad data. Message types are compiled once (paths split, rules
// resolved), since this runs for every message of every batch.
import { EARLIEST_DEVICE_TIME, plausibleDeviceTime } from "@fleet/shared-aws";
import type { FieldType, MessageType } from "./config";

export type OutputRecord = Record<string, unknown>;

/** A message filtered out by a drop rule. */
export const DROPPED = Symbol("dropped");
/** Why a message is invalid (a class: a clean record may well have a field of any name). */
export class Invalid {
  constructor(readonly reason: string) {}
}
/** The clean record (with `deviceId` and `timestamp` as strings), dropped, or invalid. */
export type Normalized = OutputRecord | typeof DROPPED | Invalid;

interface CompiledField {
  name: string;
  source: string;
  path: string[];
  type: FieldType | undefined;
  required: boolean;
  flatten: boolean;
}

export interface CompiledType {
  filter: string;
  /** The topic level holding the device id (0-based), or the payload path. */
  deviceLevel: number | undefined;
  devicePath: string[] | undefined;
  timestamp: { source: string; path: string[]; unit: "auto" | "s" | "ms" | "iso" } | undefined;
  fields: CompiledField[] | undefined;
  drop: Array<{ path: string[]; values: unknown[] }>;
}

/** Thing names' characters: a device id becomes an S3 prefix, so nothing else (no `/`, no `..`) may pass. */
const DEVICE_ID = /^[a-zA-Z0-9:_-]{1,128}$/;
/** Epoch numbers below this are seconds (year 5138 in ms, 1973 in s). */
const SECONDS_BELOW = 1e11;
/** An ISO-8601 date-time with a zone: a time without one is ambiguous. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Standard fields a payload may also carry in pass-through mode: kept beside the standard ones, prefixed. */
const RENAMED_IN_PASS_THROUGH = new Set(["deviceId", "timestamp"]);

const invalid = (reason: string): Invalid => new Invalid(reason);

/** Sets an own property, even one named `__proto__` (which assignment would take as the prototype). */
function setOwn(record: OutputRecord, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

export function compileMessageType(type: MessageType): CompiledType {
  const deviceId = type.deviceId;
  return {
    filter: type.topic,
    deviceLevel: "topicLevel" in deviceId ? deviceId.topicLevel - 1 : undefined,
    devicePath: "field" in deviceId ? deviceId.field.split(".") : undefined,
    timestamp: type.timestamp && {
      source: type.timestamp.field,
      path: type.timestamp.field.split("."),
      unit: type.timestamp.unit,
    },
    fields: type.fields?.map((field) => {
      const source = field.from ?? field.name;
      return {
        name: field.name,
        source,
        path: source.split("."),
        type: field.type,
        required: field.required,
        flatten: field.flatten,
      };
    }),
    drop: type.drop.map(({ field, equals }) => ({
      path: field.split("."),
      values: Array.isArray(equals) ? equals : [equals],
    })),
  };
}

function valueAt(message: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = message[path[0] as string];
  for (let i = 1; i < path.length; i++) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[path[i] as string];
  }
  return value;
}

/** Level `level` (0-based) of a topic, without splitting it. */
function topicLevel(topic: string, level: number): string | undefined {
  let start = 0;
  for (let i = 0; i < level; i++) {
    start = topic.indexOf("/", start) + 1;
    if (start === 0) return undefined;
  }
  const end = topic.indexOf("/", start);
  return end < 0 ? topic.slice(start) : topic.slice(start, end);
}

const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, "0"));
/** `YYYY-MM-DDTHH:MM:SS.` of the last seconds seen, by the second's last two bits. */
const SECONDS = [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
const PREFIXES = ["", "", "", ""];

/**
 * `Date#toISOString` for a valid epoch ms, all but the milliseconds kept from earlier calls: a batch's messages
 * arrive a few per second, each with a timestamp and a receivedAt a moment apart (so a few seconds are
 * remembered, not one), and formatting the date and time is most of the cost.
 */
export function isoString(ms: number): string {
  const second = Math.floor(ms / 1000);
  const slot = second & 3;
  if (SECONDS[slot] !== second) {
    SECONDS[slot] = second;
    // Date writes years outside 0000-9999 with a sign, which this keeps.
    PREFIXES[slot] = new Date(second * 1000).toISOString().slice(0, -4);
  }
  return `${PREFIXES[slot]}${THREE_DIGITS[ms - second * 1000]}Z`;
}

/** Epoch ms or the reason the value is no timestamp. */
function toEpochMs(value: unknown, unit: "auto" | "s" | "ms" | "iso" = "auto"): number | string {
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
      return typeof ms === "number" ? isoString(ms) : undefined;
    }
    case "json":
      return JSON.stringify(value);
  }
}

/** Column names of flattened leaves, built once: a fresh string per message would be hashed again each time. */
const COLUMNS = new Map<string, Map<string, string>>();
const COLUMNS_REMEMBERED = 1_000;
function columnName(prefix: string, key: string): string {
  let known = COLUMNS.get(prefix);
  if (known === undefined) {
    known = new Map();
    if (COLUMNS.size < COLUMNS_REMEMBERED) COLUMNS.set(prefix, known);
  }
  let column = known.get(key);
  if (column === undefined) {
    column = `${prefix}_${key}`;
    if (known.size < COLUMNS_REMEMBERED) known.set(key, column);
  }
  return column;
}

/** Leaves of an object as `<prefix>_<key>` (nested keys joined with `_`); arrays are leaves. */
function flattenInto(target: OutputRecord, prefix: string, value: Record<string, unknown>): void {
  for (const key in value) {
    const inner = value[key];
    const column = columnName(prefix, key);
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner))
      flattenInto(target, column, inner as Record<string, unknown>);
    else target[column] = inner;
  }
}

/** Writes one mapped field into `record`; returns why the message is invalid, or undefined. */
function mapField(
  record: OutputRecord,
  message: Record<string, unknown>,
  field: CompiledField,
): string | undefined {
  const value = valueAt(message, field.path);
  if (value === undefined || value === null)
    return field.required ? `field ${field.source} is missing` : undefined;
  if (field.flatten) {
    if (typeof value !== "object" || Array.isArray(value))
      return `field ${field.source} is not an object to flatten`;
    flattenInto(record, field.name, value as Record<string, unknown>);
    return undefined;
  }
  if (field.type === undefined) {
    record[field.name] = value;
    return undefined;
  }
  const typed = coerce(value, field.type);
  if (typed === undefined)
    return `field ${field.source} is not a ${field.type}: ${JSON.stringify(value).slice(0, 60)}`;
  record[field.name] = typed;
  return undefined;
}

/**
 * Normalises one parsed message. `matchType` finds the message type of a topic; `arrivalMs` is when Firehose
 * received the record, the timestamp of last resort.
 */
export function normalizeMessage(
  message: unknown,
  matchType: (topic: string) => CompiledType | undefined,
  arrivalMs: number | undefined,
): Normalized {
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    const kind = Array.isArray(message) ? "array" : message === null ? "null" : typeof message;
    return invalid(`a JSON ${kind}, expected an object`);
  }
  const fields = message as Record<string, unknown>;
  const topic = fields.topic;
  if (typeof topic !== "string" || topic === "")
    return invalid("topic is missing (the rule's SELECT topic() AS topic)");
  const type = matchType(topic);
  if (!type) return invalid(`topic ${topic} matches no configured message type`);
  for (const rule of type.drop) if (rule.values.includes(valueAt(fields, rule.path))) return DROPPED;

  const id =
    type.deviceLevel !== undefined
      ? topicLevel(topic, type.deviceLevel)
      : valueAt(fields, type.devicePath as string[]);
  const deviceId = typeof id === "number" ? String(id) : id;
  if (typeof deviceId !== "string" || !DEVICE_ID.test(deviceId)) {
    return invalid(
      `device id ${JSON.stringify(deviceId ?? null)} is not 1-128 letters, digits, ':', '_' or '-'`,
    );
  }
  const received = fields.receivedAt === undefined ? arrivalMs : toEpochMs(fields.receivedAt, "ms");
  if (typeof received === "string") return invalid(`receivedAt ${received}`);
  const own = type.timestamp
    ? toEpochMs(valueAt(fields, type.timestamp.path), type.timestamp.unit)
    : received;
  if (typeof own === "string") return invalid(`field ${type.timestamp?.source} ${own}`);
  if (own === undefined) return invalid("no timestamp: neither the message nor the record carries one");
  // A date before the table's projection range, or far ahead of receipt, would land where no query reads.
  if (!plausibleDeviceTime(own, received ?? Date.now()))
    return invalid(
      `timestamp ${own} ms is outside ${EARLIEST_DEVICE_TIME} .. a day after receipt (a device clock is wrong)`,
    );

  const timestamp = isoString(own);
  const record: OutputRecord = { topic, deviceId, timestamp };
  if (received !== undefined) record.receivedAt = received === own ? timestamp : isoString(received);
  if (type.fields) {
    for (const field of type.fields) {
      const problem = mapField(record, fields, field);
      if (problem) return invalid(problem);
    }
  } else {
    // topic and receivedAt are the rule's (a payload carrying either never reaches the stream).
    for (const key in fields) {
      if (key === "topic" || key === "receivedAt") continue;
      setOwn(record, RENAMED_IN_PASS_THROUGH.has(key) ? `payload_${key}` : key, fields[key]);
    }
  }
  return record;
}
