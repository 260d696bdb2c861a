// How a clean record is written (one JSON line, or one CSV row of the fixed columns) and the partition it lands
// in (Firehose's dynamic-partitioning keys).
import type { PartitionKey, TelemetryConfig } from "./config";
import type { OutputRecord } from "./normalize";

/** Partition values become S3 prefixes: nothing that could start another level or escape one. */
const SAFE_VALUE = /^[a-zA-Z0-9:_.-]{1,256}$/;

/** RFC 4180: a value holding a comma, quote or line break is quoted, quotes doubled; objects as JSON. */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The record as one line of the configured format, newline included. */
export function formatter(output: TelemetryConfig["output"]): (record: OutputRecord) => string {
  if (output.format === "jsonl") return (record) => `${JSON.stringify(record)}\n`;
  const { columns } = output;
  return (record) => `${columns.map((column) => csvCell(record[column])).join(",")}\n`;
}

/** The partition keys of a clean record (its deviceId and timestamp set), or why it has none that can be a prefix. */
export function partitionOf(
  keys: readonly PartitionKey[],
  record: OutputRecord,
): Record<string, string> | string {
  const values: Record<string, string> = {};
  for (const key of keys) {
    // A device id was checked against thing names' characters, and a date is digits: both are safe already.
    if (key.source === "deviceId") values[key.name] = record.deviceId as string;
    else if (key.source === "date") values[key.name] = (record.timestamp as string).slice(0, 10);
    else {
      const raw = record[key.field as string];
      const value = typeof raw === "number" || typeof raw === "boolean" ? String(raw) : raw;
      if (typeof value !== "string" || !SAFE_VALUE.test(value) || value === "." || value === "..") {
        return `partition key ${key.name} would be ${JSON.stringify(value ?? null)}, not 1-256 letters, digits, ':', '_', '.' or '-'`;
      }
      values[key.name] = value;
    }
  }
  return values;
}

/** Whether two records land in the same partition. */
export const samePartition = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).every((key) => a[key] === b[key]);
