// The benchmark's batch: a fleet's sensor messages as the IoT rule delivers them (topic and receivedAt added),
// base64 in a Firehose event of about the requested size, with a few heartbeats the config drops and a few
// messages that fail its schema. Deterministic: the same size gives the same batch.
import { parseTelemetryConfig, type TelemetryConfig } from "../src/core/config";
import type { FirehoseRecord } from "../src/core/transform";

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
  event: { invocationId: string; records: FirehoseRecord[] };
  /** The event as JSON, as Lambda receives it. */
  bytes: number;
}

export function makeBatch(megabytes: number): Batch {
  const next = random(megabytes);
  const records: FirehoseRecord[] = [];
  const start = Date.UTC(2026, 10, 28, 12);
  let bytes = 40;
  for (let i = 0; bytes < megabytes * 1024 * 1024 - 600; i++) {
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
    records.push(record);
    bytes += JSON.stringify(record).length + 1;
  }
  return { event: { invocationId: "bench", records }, bytes };
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
