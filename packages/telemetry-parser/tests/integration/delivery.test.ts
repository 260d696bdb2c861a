// The real transform handler behind the local delivery driver (Firehose's part, which the emulator lacks),
// writing to S3 in the emulator: clean records under their partitions, failed ones under the error prefix, every
// batch backed up raw, and nothing lost.
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { awsClient } from "@fleet/shared-aws";
import { handlerInvoker } from "@fleet/shared-aws/testing";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { parseTelemetryConfig, type TelemetryConfigInput } from "../../src/core/config";
import {
  DATA_ROOT,
  dataPrefix,
  ERROR_PREFIX,
  fileExtension,
  RAW_PREFIX,
  RULE_REFUSED_PREFIX,
} from "../../src/core/layout";
import type { FirehoseRecord } from "../../src/core/transform";
import { manifest } from "../../src/index";
import {
  applyRules,
  type ErrorRecord,
  gunzippedObjects,
  LocalDelivery,
  LocalRules,
  linesOf,
} from "../../src/testing/index";

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

const objects = (bucket: string, prefix = "") => gunzippedObjects(s3, bucket, prefix);
/** The rule's S3 action writes plain JSON objects. */
async function rawObjects(bucket: string, prefix: string): Promise<string[]> {
  const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return Promise.all(
    Contents.map(
      async ({ Key }) =>
        (
          await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))
        ).Body?.transformToString() as Promise<string>,
    ),
  );
}
const LAMBDA_ARN = "arn:aws:lambda:local:000000000000:function:telemetry-parser-transform";
const destination = {
  bucket: DATA,
  prefix: dataPrefix(config),
  errorOutputPrefix: ERROR_PREFIX,
  fileExtension: fileExtension(config),
  backup: { bucket: RAW, prefix: RAW_PREFIX },
  lambdaArn: LAMBDA_ARN,
};

const DAY = Date.UTC(2026, 10, 28, 9);
/** One publish: the device's topic and payload, received at DAY + i. */
const publish = (device: string, i: number, extra: Record<string, unknown> = {}, level = "env") => ({
  topic: `fleet/${device}/telemetry/${level}`,
  payload: JSON.stringify({ ts: DAY + i, env: { temp: 20 + i }, meta: { fw: "1.0" }, ...extra }),
  receivedAt: DAY + i,
});
/** The record the rule forwards for a publish. */
const forwarded = ({ topic, payload, receivedAt }: ReturnType<typeof publish>) => {
  const outcome = applyRules(topic, receivedAt, payload);
  if (outcome.to !== "stream") throw new Error("refused by the rule");
  return outcome.record;
};

describe("delivery through the real transformation into S3", () => {
  let report: Awaited<ReturnType<LocalDelivery["flush"]>>;

  beforeAll(async () => {
    for (const bucket of [DATA, RAW]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // Small batches, so that several invocations are needed.
    const delivery = new LocalDelivery(s3, { ...destination, batchBytes: 2_000 }, (event) =>
      invoke("transform", event),
    );
    const rules = new LocalRules(s3, DATA, delivery);
    const send = (p: ReturnType<typeof publish>) => rules.publish(p.topic, p.payload, p.receivedAt);
    for (let i = 0; i < 10; i++) await send(publish("pump-1", i));
    for (let i = 0; i < 5; i++) await send(publish("pump-2", i, {}, "env/deep/level"));
    await send(publish("pump-2", 99, { kind: "heartbeat" }));
    await rules.publish("fleet/pump-3/telemetry/env", "not json", DAY);
    await send(publish("pump-3", 1, { env: { temp: "hot" } }));
    // Devices claiming another device's topic or another time: refused by the rule, never in the stream.
    await send(publish("pump-3", 2, { topic: "fleet/pump-1/telemetry/env" }));
    await send(publish("pump-3", 3, { receivedAt: 0 }));
    report = await delivery.flush();
  });

  it("invokes the handler once per batch and answers every record", () => {
    expect(report.invocations).toBeGreaterThan(1);
    expect(report).toMatchObject({ ok: 15, dropped: 1, failed: 2, unpartitioned: 0 });
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
      [forwarded(publish("pump-3", 1, { env: { temp: "hot" } })), "not json\n"].sort(),
    );
    for (const row of failed as ErrorRecord[]) expect(row.lambdaArn).toBe(LAMBDA_ARN);
  });

  it("keeps payloads carrying their own topic or receivedAt under rule-errors/, with the broker's topic and the reason", async () => {
    const refused = (await rawObjects(DATA, RULE_REFUSED_PREFIX)).map(
      (body) => JSON.parse(body) as { topic: string; reason: string; payload: string },
    );
    expect(refused.map((row) => row.topic)).toEqual([
      "fleet/pump-3/telemetry/env",
      "fleet/pump-3/telemetry/env",
    ]);
    expect(
      refused.map((row) => JSON.parse(Buffer.from(row.payload, "base64").toString()).env.temp).sort(),
    ).toEqual([22, 23]);
    for (const row of refused) expect(row.reason).toMatch(/topic, receivedAt/);
    // Nothing of pump-3 reached pump-1's partition.
    const pump1 = linesOf((await objects(DATA, "data/device=pump-1/")).values());
    expect(pump1).toHaveLength(10);
    expect(pump1.every((line) => JSON.parse(line).deviceId === "pump-1")).toBe(true);
  });

  it("backs up every batch as it arrived in the raw bucket", async () => {
    const raw = await objects(RAW, "raw/");
    expect(raw.size).toBe(report.invocations);
    const lines = [...raw.values()].join("").trim().split("\n");
    expect(lines).toHaveLength(18);
  });
});

describe("what Firehose does when the transformation fails the batch or a record's partition", () => {
  const ERRORS = "it-telemetry-failures";
  const put = async (
    transform: ConstructorParameters<typeof LocalDelivery>[2],
    records: Array<{ data: string; recordId?: string }>,
  ) => {
    const delivery = new LocalDelivery(
      s3,
      {
        ...destination,
        bucket: ERRORS,
        backup: { bucket: ERRORS, prefix: RAW_PREFIX },
        batchBytes: 1_000_000,
      },
      transform,
    );
    for (const { data, recordId } of records) delivery.put(data, recordId);
    return delivery.flush();
  };
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: ERRORS }));
  });

  it("a handler that throws (a record without a recordId) sends every record of the batch to processing-failed", async () => {
    const good = forwarded(publish("pump-9", 1));
    const report = await put(
      (event) => invoke("transform", event),
      [{ data: good }, { data: good, recordId: "" }],
    );
    expect(report).toMatchObject({ ok: 0, failed: 2 });
    const lines = linesOf((await objects(ERRORS, "errors/processing-failed/")).values()).map(
      (line) => JSON.parse(line) as ErrorRecord,
    );
    expect(lines.map((line) => Buffer.from(line.rawData, "base64").toString())).toEqual([good, good]);
  });

  it("an Ok answer without its partition keys lands under the partitioning error prefix", async () => {
    const good = forwarded(publish("pump-9", 2));
    const report = await put(
      async (event: { records: FirehoseRecord[] }) => ({
        records: event.records.map((r) => ({
          recordId: r.recordId,
          result: "Ok" as const,
          data: r.data as string,
        })),
      }),
      [{ data: good }],
    );
    expect(report).toMatchObject({ ok: 0, unpartitioned: 1 });
    const lines = linesOf((await objects(ERRORS, "errors/partitioning-failed/")).values());
    expect(
      lines.map((line) => Buffer.from((JSON.parse(line) as ErrorRecord).rawData, "base64").toString()),
    ).toEqual([good]);
  });

  it("a repeated recordId answered once is no contract breach: the record lands once", async () => {
    const good = forwarded(publish("pump-8", 3));
    const report = await put(
      (event) => invoke("transform", event),
      [
        { data: good, recordId: "same" },
        { data: good, recordId: "same" },
      ],
    );
    expect(report).toMatchObject({ ok: 1, failed: 0 });
  });
});
