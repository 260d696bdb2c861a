// How a clean record is written (one JSON line, or one CSV row of the fixed columns) and the partition it lands
// in (Firehose's dynamic-partitioning keys).
import type { PartitionKey, TelemetryConfig } from "./config";
import type { OutputRecord } from "./normalize";

/** Partition values become S3 prefixes: nothing that could start another level or escape one. */
const SAFE_VALUE = /^[a-zA-Z0-9:_.-]{1,256}$/;

/**
 * RFC 4180 as Athena's OpenCSVSerDe reads it: a value holding a comma or quote is quoted, quotes doubled; objects
 * as JSON. The SerDe does not support line breaks inside a value, so each becomes a space (JSON Lines keeps them).
 */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  const raw = typeof value === "object" ? JSON.stringify(value) : String(value);
  const text = /[\r\n]/.test(raw) ? raw.replace(/\r\n|[\r\n]/g, " ") : raw;
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The record as one line of the configured format, newline included. */
export function formatter(output: TelemetryConfig["output"]): (record: OutputRecord) => string {
  if (output.format === "jsonl") return (record) => `${JSON.stringify(record)}\n`;
  const { columns } = output;
  return (record) => `${columns.map((column) => csvCell(record[column])).join(",")}\n`;
}

/** A partition: Firehose's dynamic-partitioning metadata, and its size as JSON in the response. */
export interface Partition {
  metadata: { partitionKeys: Record<string, string> };
  bytes: number;
}

const fieldText = (raw: unknown) => (typeof raw === "number" || typeof raw === "boolean" ? String(raw) : raw);

/** A key's value for a clean record (its deviceId and timestamp set), or undefined when it could not be a prefix. */
function keyValue(key: PartitionKey, record: OutputRecord): string | undefined {
  // A device id was checked against thing names' characters, and a date is digits: both are safe already.
  if (key.source === "deviceId") return record.deviceId as string;
  if (key.source === "date") return (record.timestamp as string).slice(0, 10);
  const value = fieldText(record[key.field as string]);
  return typeof value === "string" && SAFE_VALUE.test(value) && value !== "." && value !== ".."
    ? value
    : undefined;
}

/**
 * The partition of clean records, or why a record has none that can be a prefix. Records of one partition share
 * one Partition until `forget` (call it per batch): thousands of records land in a few hundred partitions, and a
 * record's messages are in one partition exactly when their Partitions are the same object.
 */
export function partitioner(keys: readonly PartitionKey[]) {
  // One level of maps per key, by its value; the last level holds the Partitions.
  let root = new Map<string, unknown>();
  return {
    of(record: OutputRecord): Partition | string {
      let level = root;
      let value = "";
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as PartitionKey;
        const found = keyValue(key, record);
        if (found === undefined) {
          const raw = fieldText(record[key.field as string]);
          return `partition key ${key.name} would be ${JSON.stringify(raw ?? null)}, not 1-256 letters, digits, ':', '_', '.' or '-'`;
        }
        value = found;
        if (i === keys.length - 1) break;
        let next = level.get(value) as Map<string, unknown> | undefined;
        if (next === undefined) {
          next = new Map();
          level.set(value, next);
        }
        level = next;
      }
      let partition = level.get(value) as Partition | undefined;
      if (partition === undefined) {
        const partitionKeys: Record<string, string> = {};
        // `{"partitionKeys":{"<key>":"<value>",…}}`: names and values are plain ASCII.
        let bytes = 20;
        for (const key of keys) {
          const v = keyValue(key, record) as string;
          partitionKeys[key.name] = v;
          bytes += key.name.length + v.length + 5 + (bytes > 20 ? 1 : 0);
        }
        partition = { metadata: { partitionKeys }, bytes };
        level.set(value, partition);
      }
      return partition;
    },
    forget(): void {
      root = new Map();
    },
  };
}
