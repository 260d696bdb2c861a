// Firehose's data-transformation contract over one batch: every recordId answered exactly once with Ok, Dropped
// or ProcessingFailed and base64 data, never an exception for bad data, and a response that always fits in
// Lambda's synchronous payload limit. Firehose writes ProcessingFailed records (their original data, with the
// reason's error code) under the error prefix, so a record that does not fit is failed with that reason,
// never dropped: nothing is lost, and it can be replayed from there.
import { isUtf8 } from "node:buffer";
import type { MessageType, TelemetryConfig } from "./config";
import { normalizeMessage } from "./normalize";
import { formatter, partitionOf, samePartition } from "./output";
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

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** `{"records":[` and `]}` */
const ENVELOPE_BYTES = 14;

/** A batch transformer for one configuration (compiled once per container). */
export function transformer(config: TelemetryConfig, budget = RESPONSE_BUDGET_BYTES) {
  const matchType: (topic: string) => MessageType | undefined = typeMatcher(config.messages);
  const format = formatter(config.output);

  type Outcome =
    | { result: "Ok"; text: string; partitionKeys: Record<string, string>; messages: number }
    | { result: "Dropped"; messages: number }
    | { result: "ProcessingFailed"; reason: string; messages: number };

  function transformRecord(record: FirehoseRecord): Outcome & { bytesIn: number } {
    const fail = (reason: string, messages = 0, bytesIn = 0) =>
      ({ result: "ProcessingFailed", reason, messages, bytesIn }) as const;
    if (typeof record.data !== "string" || !BASE64.test(record.data)) return fail("data is not base64");
    const bytes = Buffer.from(record.data, "base64");
    if (!isUtf8(bytes)) return fail("data is not UTF-8 text", 0, bytes.length);
    const text = bytes.toString("utf8");
    // The rule's separator ends every message: only a record holding several needs splitting.
    const body = text.endsWith("\n") ? text.slice(0, -1) : text;
    const lines = body.includes("\n") ? body.split("\n") : [body];
    const arrival =
      typeof record.approximateArrivalTimestamp === "number" ? record.approximateArrivalTimestamp : undefined;
    let out = "";
    let partition: Record<string, string> | undefined;
    let messages = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line === "") continue;
      messages++;
      const where = lines.length > 1 ? `line ${i + 1}: ` : "";
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (error) {
        return fail(`${where}not JSON (${(error as Error).message})`, messages, bytes.length);
      }
      const normalized = normalizeMessage(parsed, matchType, arrival);
      if (normalized.kind === "dropped") continue;
      if (normalized.kind === "invalid") return fail(`${where}${normalized.reason}`, messages, bytes.length);
      const keys = partitionOf(
        config.partitionKeys,
        normalized.record,
        normalized.deviceId,
        normalized.timestamp,
      );
      if (typeof keys === "string") return fail(`${where}${keys}`, messages, bytes.length);
      // Firehose partitions a record as a whole: its messages must share one partition.
      if (partition && !samePartition(partition, keys))
        return fail(`${where}messages of one record belong to different partitions`, messages, bytes.length);
      partition = keys;
      out += format(normalized.record);
    }
    if (messages === 0) return fail("the record holds no message", 0, bytes.length);
    if (!partition) return { result: "Dropped", messages, bytesIn: bytes.length };
    return { result: "Ok", text: out, partitionKeys: partition, messages, bytesIn: bytes.length };
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
    const seen = new Set<string>();
    const unique = records.filter((record) => {
      if (seen.has(record.recordId)) return false;
      seen.add(record.recordId);
      return true;
    });
    summary.duplicates = records.length - unique.length;
    summary.records = unique.length;
    // Room kept for answering every record not yet answered in the smallest way (ProcessingFailed, no data).
    const idBytes = unique.map((record) => Buffer.byteLength(JSON.stringify(record.recordId)));
    let reserve = idBytes.reduce((sum, n) => sum + minimalEntryBytes(n), 0);
    let used = ENVELOPE_BYTES;
    const answered: TransformedRecord[] = [];
    const failed = (recordId: string, reason: string, data: string) => {
      summary.failed++;
      if (summary.failures.length < MAX_FAILURES_KEPT) summary.failures.push({ recordId, reason });
      return { recordId, result: "ProcessingFailed", data } as const;
    };

    unique.forEach((record, i) => {
      const idLength = idBytes[i] as number;
      reserve -= minimalEntryBytes(idLength);
      const outcome = transformRecord(record);
      summary.messages += outcome.messages;
      summary.bytesIn += outcome.bytesIn;
      const fits = (entryBytes: number) => used + entryBytes + reserve <= budget;
      // Failed and dropped records echo their data when it is base64 and fits, as Firehose's blueprints do.
      const echo =
        outcome.result !== "Ok" && typeof record.data === "string" && BASE64.test(record.data)
          ? record.data
          : "";
      let entry: TransformedRecord;
      if (outcome.result === "Ok") {
        const data = Buffer.from(outcome.text, "utf8").toString("base64");
        const metadata = { partitionKeys: outcome.partitionKeys };
        if (fits(entryBytes(idLength, "Ok", data.length, metadata))) {
          entry = { recordId: record.recordId, result: "Ok", data, metadata };
          summary.ok++;
          summary.bytesOut += Buffer.byteLength(outcome.text);
        } else {
          summary.overflowed++;
          entry = failed(record.recordId, OVERFLOW_REASON, "");
        }
      } else {
        const data = fits(entryBytes(idLength, outcome.result, echo.length)) ? echo : "";
        if (outcome.result === "Dropped") {
          summary.dropped++;
          entry = { recordId: record.recordId, result: "Dropped", data };
        } else entry = failed(record.recordId, outcome.reason, data);
      }
      used += entryBytes(idLength, entry.result, entry.data.length, entry.metadata);
      answered.push(entry);
    });
    summary.responseBytes = used;
    return { records: answered, summary };
  };
}

/** Bytes of one answered record in the JSON response, separating comma included. */
function entryBytes(
  idBytes: number,
  result: TransformResult,
  dataLength: number,
  metadata?: TransformedRecord["metadata"],
): number {
  // {"recordId":<id>,"result":"<result>","data":"<data>"} plus ,"metadata":<json>
  return (
    36 +
    idBytes +
    result.length +
    dataLength +
    (metadata ? 12 + Buffer.byteLength(JSON.stringify(metadata)) : 0)
  );
}

const minimalEntryBytes = (idBytes: number) => entryBytes(idBytes, "ProcessingFailed", 0);
