// The real transform handler behind the local delivery driver (Firehose's part, which the emulator lacks),
// writing to S3 in the emulator: clean records under their partitions, failed ones under the error prefix, every
// batch backed up raw, and nothing lost.
import { gunzipSync } from "node:zlib";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { awsClient } from "@fleet/shared-aws";
import { handlerInvoker } from "@fleet/shared-aws/testing";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { parseTelemetryConfig, type TelemetryConfigInput } from "../../src/core/config";
import { DATA_ROOT, dataPrefix, ERROR_PREFIX, fileExtension, RAW_PREFIX } from "../../src/core/layout";
import { manifest } from "../../src/index";
import { LocalDelivery } from "../support/firehose-driver";

const CONFIG: TelemetryConfigInput = {
  messages: [
    {
      topic: "fleet/+/telemetry/#",
      timestamp: { field: "ts", unit: "ms" },
      fields: [
        { name: "temperature", from: "env.temp", type: "number", required: true },
        { name: "firmware", from: "meta", flatten: true },
      ],
      drop: [{ field: "kind", equals: "heartbeat" }],
    },
  ],
};
process.env.TELEMETRY_CONFIG = JSON.stringify(CONFIG);
const config = parseTelemetryConfig(CONFIG);

const DATA = "it-telemetry-data";
const RAW = "it-telemetry-raw";
const s3 = awsClient(S3Client);
const invoke = handlerInvoker(manifest, findRepoRoot(import.meta.dirname));

async function objects(bucket: string, prefix = ""): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const { Key } of page.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      found.set(
        Key as string,
        gunzipSync(
          await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ).toString("utf8"),
      );
    }
    token = page.NextContinuationToken;
  } while (token);
  return found;
}

const DAY = Date.UTC(2026, 10, 28, 9);
const message = (device: string, i: number, extra: Record<string, unknown> = {}) =>
  `${JSON.stringify({ topic: `fleet/${device}/telemetry/env`, receivedAt: DAY + i, ts: DAY + i, env: { temp: 20 + i }, meta: { fw: "1.0" }, ...extra })}\n`;

describe("delivery through the real transformation into S3", () => {
  let report: Awaited<ReturnType<LocalDelivery["flush"]>>;

  beforeAll(async () => {
    for (const bucket of [DATA, RAW]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const delivery = new LocalDelivery(
      s3,
      {
        bucket: DATA,
        prefix: dataPrefix(config),
        errorOutputPrefix: ERROR_PREFIX,
        fileExtension: fileExtension(config),
        backup: { bucket: RAW, prefix: RAW_PREFIX },
        // Small batches, so that several invocations are needed.
        batchBytes: 2_000,
      },
      (event) => invoke("transform", event),
    );
    for (let i = 0; i < 10; i++) delivery.put(message("pump-1", i));
    for (let i = 0; i < 5; i++)
      delivery.put(message("pump-2", i, { topic: "fleet/pump-2/telemetry/env/deep/level" }));
    delivery.put(message("pump-2", 99, { kind: "heartbeat" }));
    delivery.put("not json\n");
    delivery.put(message("pump-3", 1, { env: { temp: "hot" } }));
    delivery.put(message("pump-3", 2, { topic: "fleet/../telemetry/x" }));
    report = await delivery.flush();
  });

  it("invokes the handler once per batch and answers every record", () => {
    expect(report.invocations).toBeGreaterThan(1);
    expect(report).toMatchObject({ ok: 15, dropped: 1, failed: 3 });
  });

  it("lands clean records under data/device=<id>/dt=<yyyy-mm-dd>/, on every topic level below the filter", async () => {
    const data = await objects(DATA, DATA_ROOT);
    const byPartition = new Map<string, Array<Record<string, unknown>>>();
    for (const [key, body] of data) {
      expect(key).toMatch(/^data\/device=pump-[12]\/dt=2026-11-28\/[0-9a-f-]+\.jsonl\.gz$/);
      const partition = key.split("/").slice(0, 3).join("/");
      const rows = body
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), ...rows]);
    }
    expect([...byPartition.keys()].sort()).toEqual([
      "data/device=pump-1/dt=2026-11-28",
      "data/device=pump-2/dt=2026-11-28",
    ]);
    const pump1 = byPartition.get("data/device=pump-1/dt=2026-11-28") ?? [];
    expect(pump1.map((row) => row.temperature).sort()).toEqual([20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
    expect(pump1[0]).toEqual({
      topic: "fleet/pump-1/telemetry/env",
      deviceId: "pump-1",
      timestamp: expect.stringMatching(/^2026-11-28T09:00:00\.00\dZ$/),
      receivedAt: expect.stringMatching(/^2026-11-28T09:00:00\.00\dZ$/),
      temperature: expect.any(Number),
      firmware_fw: "1.0",
    });
    expect(byPartition.get("data/device=pump-2/dt=2026-11-28")).toHaveLength(5);
  });

  it("writes each failed record, with its original data, under the error prefix", async () => {
    const errors = await objects(DATA, "errors/");
    const failed = [...errors.values()].flatMap((body) =>
      body
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    );
    for (const key of errors.keys())
      expect(key).toMatch(/^errors\/processing-failed\/\d{4}\/\d{2}\/\d{2}\/.+\.json\.gz$/);
    expect(failed.map((row) => Buffer.from(row.rawData, "base64").toString()).sort()).toEqual(
      [
        message("pump-3", 1, { env: { temp: "hot" } }),
        message("pump-3", 2, { topic: "fleet/../telemetry/x" }),
        "not json\n",
      ].sort(),
    );
  });

  it("backs up every batch as it arrived in the raw bucket", async () => {
    const raw = await objects(RAW, "raw/");
    expect(raw.size).toBe(report.invocations);
    const lines = [...raw.values()].join("").trim().split("\n");
    expect(lines).toHaveLength(19);
  });
});
