// Firehose's data-transformation contract over one batch: every recordId answered exactly once with Ok, Dropped
// or ProcessingFailed and base64 data, never an exception for bad data, and a response that always fits in
// Lambda's synchronous payload limit. Firehose writes ProcessingFailed records (their original data and an error
// code) under the error prefix, so a record whose output does not fit is failed with that reason, never
// dropped: nothing is lost, and it can be replayed from there.
import { isUtf8 } from "node:buffer";
import type { TelemetryConfig } from "./config";
import { compileMessageType, DROPPED, Invalid, normalizeMessage } from "./normalize";
import { formatter, type Partition, partitioner } from "./output";
import { typeMatcher } from "./topics";

export interface FirehoseRecord {
  recordId: string;
  /** Base64; anything else is answered ProcessingFailed. */
  data?: unknown;
  approximateArrivalTimestamp?: number;
}

export type TransformResult = "Ok" | "Dropped" | "ProcessingFailed";

export interface TransformedRecord {
  recordId: string;
  result: TransformResult;
  data: string;
  metadata?: { partitionKeys: Record<string, string> };
}

export interface TransformSummary {
  records: number;
  ok: number;
  dropped: number;
  failed: number;
  /** Failed because the response would have passed the size limit (included in `failed`). */
  overflowed: number;
  /** Repeated recordIds: each id is answered once, for its first record. */
  duplicates: number;
  messages: number;
  /** Decoded bytes read, and written by Ok records. */
  bytesIn: number;
  bytesOut: number;
  /** The response's size as JSON, counted as it was built (one byte over: a separator the last record lacks). */
  responseBytes: number;
  /** Why records failed, first ones first (at most MAX_FAILURES_KEPT). */
  failures: Array<{ recordId: string; reason: string }>;
}

/**
 * Lambda's synchronous response limit is 6 MB (6,291,556 bytes); the transformation stays under 6,000,000 so that
 * the runtime's own framing never tips it over.
 */
export const RESPONSE_BUDGET_BYTES = 6_000_000;
export const MAX_FAILURES_KEPT = 100;
export const OVERFLOW_REASON =
  "the batch's response would exceed Lambda's 6 MB limit; delivered to the error prefix";

export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** `{"records":[` and `]}` */
const ENVELOPE_BYTES = 14;
const SCRATCH_BYTES = 64 * 1024;

/** Bytes a base64 string of this length and padding decodes to. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

const failure = (reason: string, messages: number, bytesIn: number) =>
  ({ result: "ProcessingFailed", reason, messages, bytesIn }) as const;

/** A batch transformer for one configuration (compiled once per container). */
export function transformer(config: TelemetryConfig, budget = RESPONSE_BUDGET_BYTES) {
  const matchType = typeMatcher(config.messages.map(compileMessageType));
  const format = formatter(config.output);
  const partitions = partitioner(config.partitionKeys);
  // Records are decoded and answers encoded through one buffer rather than a Buffer each: no allocation on the
  // way in or out for the records of a usual size.
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  const bufferFor = (bytes: number) => (bytes <= SCRATCH_BYTES ? scratch : Buffer.allocUnsafe(bytes));

  type Outcome =
    | { result: "Ok"; text: string; partition: Partition; messages: number }
    | { result: "Dropped"; messages: number }
    | { result: "ProcessingFailed"; reason: string; messages: number };

  function transformRecord(record: FirehoseRecord): Outcome & { bytesIn: number } {
    const data = record.data;
    if (typeof data !== "string" || data.length % 4 !== 0) return failure("data is not base64", 0, 0);
    // Node's decoder skips characters outside the alphabet, so a string holding any decodes to fewer bytes than
    // its length promises (cheaper than a regex).
    const expected = decodedLength(data);
    const buffer = bufferFor(expected + 3);
    const bytesIn = buffer.write(data, 0, "base64");
    if (bytesIn !== expected) return failure("data is not base64", 0, 0);
    const text = buffer.toString("utf8", 0, bytesIn);
    // The decoder replaces invalid sequences with U+FFFD; only then is the slower check needed.
    if (text.includes("\uFFFD") && !isUtf8(buffer.subarray(0, bytesIn)))
      return failure("data is not UTF-8 text", 0, bytesIn);
    // The rule's separator ends every message: only a record holding several needs splitting (JSON.parse
    // takes the trailing newline as whitespace).
    const newline = text.indexOf("\n");
    const lines = newline < 0 || newline === text.length - 1 ? [text] : text.split("\n");
    const arrival =
      typeof record.approximateArrivalTimestamp === "number" ? record.approximateArrivalTimestamp : undefined;
    let out = "";
    let partition: Partition | undefined;
    let messages = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      const where = lines.length > 1 ? `line ${i + 1}: ` : "";
      let parsed: unknown;
      // JSON.parse skips surrounding whitespace itself; only a line it refuses is looked at twice.
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        if (line.trim() === "") continue;
        return failure(`${where}not JSON (${(error as Error).message})`, messages + 1, bytesIn);
      }
      messages++;
      const clean = normalizeMessage(parsed, matchType, arrival);
      if (clean === DROPPED) continue;
      if (clean instanceof Invalid) return failure(`${where}${clean.reason}`, messages, bytesIn);
      const keys = partitions.of(clean);
      if (typeof keys === "string") return failure(`${where}${keys}`, messages, bytesIn);
      // Firehose partitions a record as a whole: its messages must share one partition.
      if (partition && partition !== keys)
        return failure(`${where}messages of one record belong to different partitions`, messages, bytesIn);
      partition = keys;
      out += format(clean);
    }
    if (messages === 0) return failure("the record holds no message", 0, bytesIn);
    if (!partition) return { result: "Dropped", messages, bytesIn };
    return { result: "Ok", text: out, partition, messages, bytesIn };
  }

  return function transform(records: readonly FirehoseRecord[]): {
    records: TransformedRecord[];
    summary: TransformSummary;
  } {
    const summary: TransformSummary = {
      records: 0,
      ok: 0,
      dropped: 0,
      failed: 0,
      overflowed: 0,
      duplicates: 0,
      messages: 0,
      bytesIn: 0,
      bytesOut: 0,
      responseBytes: 0,
      failures: [],
    };
    // Each id once, for its first record; room kept for answering every record not yet answered in the
    // smallest way (ProcessingFailed, no data).
    const first = new Map<string, number>();
    let reserve = 0;
    for (let i = 0; i < records.length; i++) {
      const id = (records[i] as FirehoseRecord).recordId;
      if (first.has(id)) continue;
      first.set(id, i);
      reserve += minimalEntryBytes(jsonStringBytes(id));
    }
    summary.records = first.size;
    summary.duplicates = records.length - first.size;
    let used = ENVELOPE_BYTES;
    const answered: TransformedRecord[] = [];
    const failed = (recordId: string, reason: string, data: string) => {
      summary.failed++;
      if (summary.failures.length < MAX_FAILURES_KEPT) summary.failures.push({ recordId, reason });
      return { recordId, result: "ProcessingFailed", data } as const;
    };

    for (let i = 0; i < records.length; i++) {
      const record = records[i] as FirehoseRecord;
      if (first.get(record.recordId) !== i) continue;
      const idLength = jsonStringBytes(record.recordId);
      reserve -= minimalEntryBytes(idLength);
      const outcome = transformRecord(record);
      summary.messages += outcome.messages;
      summary.bytesIn += outcome.bytesIn;
      const room = budget - used - reserve;
      let entry: TransformedRecord;
      let size: number;
      if (outcome.result === "Ok") {
        const text = outcome.text;
        const buffer = bufferFor(
          text.length * 3 <= SCRATCH_BYTES ? text.length * 3 : Buffer.byteLength(text),
        );
        const bytes = buffer.write(text, 0, "utf8");
        const data = buffer.toString("base64", 0, bytes);
        const { metadata, bytes: metadataBytes } = outcome.partition;
        size = entryBytes(idLength, "Ok", data.length, metadataBytes);
        if (size <= room) {
          entry = { recordId: record.recordId, result: "Ok", data, metadata };
          summary.ok++;
          summary.bytesOut += bytes;
        } else {
          summary.overflowed++;
          entry = failed(record.recordId, OVERFLOW_REASON, "");
          size = minimalEntryBytes(idLength);
        }
      } else {
        // Failed and dropped records echo their data when it is base64 and fits, as Firehose's blueprints do.
        const echo = typeof record.data === "string" && BASE64.test(record.data) ? record.data : "";
        const data = entryBytes(idLength, outcome.result, echo.length) <= room ? echo : "";
        if (outcome.result === "Dropped") {
          summary.dropped++;
          entry = { recordId: record.recordId, result: "Dropped", data };
        } else entry = failed(record.recordId, outcome.reason, data);
        size = entryBytes(idLength, outcome.result, data.length);
      }
      used += size;
      answered.push(entry);
    }
    // The answers keep their partitions' metadata; the index of them is the batch's only.
    partitions.forget();
    summary.responseBytes = used;
    return { records: answered, summary };
  };
}

/** Bytes of a string as JSON; record ids are ASCII digits, so the exact count is rarely needed. */
function jsonStringBytes(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c)
      return Buffer.byteLength(JSON.stringify(text));
  }
  return text.length + 2;
}

/** Bytes of one answered record in the JSON response, separating comma included. */
function entryBytes(
  idBytes: number,
  result: TransformResult,
  dataLength: number,
  metadataBytes?: number,
): number {
  // {"recordId":<id>,"result":"<result>","data":"<data>"} plus ,"metadata":<json>
  return 36 + idBytes + result.length + dataLength + (metadataBytes === undefined ? 0 : 12 + metadataBytes);
}

const minimalEntryBytes = (idBytes: number) => entryBytes(idBytes, "ProcessingFailed", 0);
