// Firehose records as the IoT rule's action puts them: each message a JSON line, base64-encoded.
import type { FirehoseRecord, TransformedRecord } from "../../src/core/transform";

export const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");

/** A record holding `messages` (objects become JSON lines; strings are taken as they are). */
export function record(
  recordId: string,
  ...messages: Array<Record<string, unknown> | string>
): FirehoseRecord {
  const text = messages.map((m) => (typeof m === "string" ? m : `${JSON.stringify(m)}\n`)).join("");
  return { recordId, approximateArrivalTimestamp: Date.UTC(2026, 10, 28, 12), data: b64(text) };
}

/** The decoded output of an answered record. */
export const decoded = (answer: TransformedRecord) => Buffer.from(answer.data, "base64").toString("utf8");

/** The JSON lines of an Ok answer, parsed. */
export const lines = (answer: TransformedRecord) =>
  decoded(answer)
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
