// The benchmark's batch: a fleet's sensor messages as the IoT rule delivers them (topic and receivedAt added),
// base64 in a Firehose event of at most the requested size, with a few heartbeats the config drops and a few
// messages that fail its schema. Deterministic: the same size gives the same batch.
import { parseTelemetryConfig, type TelemetryConfig } from "../src/core/config";
import { type FirehoseRecord, RESPONSE_BUDGET_BYTES, transformer } from "../src/core/transform";

export const BENCH_CONFIG: TelemetryConfig = parseTelemetryConfig({
  messages: [
    {
      topic: "fleet/telemetry/#",
      deviceId: { topicLevel: 3 },
      timestamp: { field: "ts", unit: "ms" },
      fields: [
        { name: "temperature", from: "env.temp", type: "number", required: true },
        { name: "humidity", from: "env.humidity", type: "number" },
        { name: "battery", from: "power.pct", type: "integer" },
        { name: "firmware", from: "meta", flatten: true },
        { name: "status" },
      ],
      drop: [{ field: "kind", equals: "heartbeat" }],
    },
  ],
});

/** A small linear congruential generator: the batch is the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

export interface Batch {
  event: { invocationId: string; deliveryStreamArn: string; region: string; records: FirehoseRecord[] };
  /** The event as JSON, as Lambda receives it (the invocation payload). */
  bytes: number;
  /** The answer's size as JSON, as the transformation counts it. */
  answerBytes: number;
  /** What ended the batch: the event reached its size, or one more record's answer would pass the budget. */
  limitedBy: "event" | "answer";
}

const MB = 1024 * 1024;

/**
 * An invocation payload of at most `megabytes` (the event JSON, base64 data and envelope included: Lambda's
 * synchronous payload limit is 6 MB, so a 6 MB batch means this) whose answer also fits `answerBudget`: the
 * configured output is larger than the messages (ISO timestamps, device id, partition keys), so a batch of
 * these messages that fills the 6 MB request cannot be answered within the 6 MB response.
 */
export function makeBatch(megabytes: number, answerBudget = RESPONSE_BUDGET_BYTES): Batch {
  const next = random(megabytes);
  const transform = transformer(BENCH_CONFIG);
  const records: FirehoseRecord[] = [];
  const start = Date.UTC(2026, 10, 28, 12);
  const event = {
    invocationId: "00540a87-5050-496a-84e4-e7d92bbaf5e2",
    deliveryStreamArn: "arn:aws:firehose:eu-west-1:000000000000:deliverystream/fleet-dev-telemetry",
    region: "eu-west-1",
    records,
  };
  let bytes = JSON.stringify(event).length;
  // `{"records":[` and `]}`, then each answer with its separator.
  let answerBytes = 14;
  for (let i = 0; ; i++) {
    const device = `pump-${Math.floor(next() * 200)}`;
    const roll = next();
    const message = {
      topic: `fleet/telemetry/${device}/env`,
      receivedAt: start + i * 10,
      ts: start + i * 10 - 250,
      env: {
        temp: roll < 0.01 ? "n/a" : Math.round(next() * 4000) / 100,
        humidity: Math.round(next() * 100),
      },
      power: { pct: Math.floor(next() * 100) },
      meta: { fw: "2.4.1", hw: { rev: 3, board: "esp32-s3" } },
      status: "running",
      kind: roll > 0.97 ? "heartbeat" : "measurement",
    };
    const record = {
      recordId: `4965387935219457455197774550722${String(i).padStart(31, "0")}`,
      approximateArrivalTimestamp: start + i * 10 + 5,
      data: Buffer.from(`${JSON.stringify(message)}\n`).toString("base64"),
    };
    const recordBytes = JSON.stringify(record).length + (records.length > 0 ? 1 : 0);
    if (bytes + recordBytes > megabytes * MB) return { event, bytes, answerBytes, limitedBy: "event" };
    const answer = transform([record]).summary.responseBytes - 14;
    if (answerBytes + answer > answerBudget) return { event, bytes, answerBytes, limitedBy: "answer" };
    records.push(record);
    bytes += recordBytes;
    answerBytes += answer;
  }
}

/**
 * The floor: what any transformation must do at least — decode, parse, serialise, encode — answering each record
 * Ok, with nothing validated, mapped, partitioned or counted.
 */
export function bareLoop(records: readonly FirehoseRecord[]) {
  return records.map((record) => ({
    recordId: record.recordId,
    result: "Ok",
    data: Buffer.from(
      JSON.stringify(JSON.parse(Buffer.from(record.data as string, "base64").toString("utf8"))),
    ).toString("base64"),
  }));
}
