// The telemetry-parser part of the demo: simulated devices publish good and bad messages on several topic levels,
// the IoT rule's SELECT adds the topic and the time of receipt, the batches go through the real transformation
// (behind the local delivery driver, Firehose's part), and what landed where is read back from S3: partitions,
// the error prefix, the raw backup. Every figure is read from the emulator, not taken from the options.
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { Scene } from "@fleet/manifest";
import { awsClient } from "@fleet/shared-aws";
import { parseTelemetryConfig, type TelemetryConfigInput } from "./core/config";
import {
  DATA_ROOT,
  dataPrefix,
  ERROR_PREFIX,
  fileExtension,
  RAW_PREFIX,
  RULE_REFUSED_PREFIX,
} from "./core/layout";
import { applyRules } from "./core/rule";
import { manifest } from "./index";
import { type ErrorRecord, gunzippedObjects, LocalDelivery, LocalRules, linesOf } from "./testing/index";

const TOPIC = "fleet-local/telemetry";
/** The stacks' layout (device at level 3, heartbeats dropped, JSON Lines by device and day) with a richer mapping: nested, renamed and flattened fields. */
const CONFIG: TelemetryConfigInput = {
  messages: [
    {
      topic: `${TOPIC}/#`,
      deviceId: { topicLevel: 3 },
      fields: [
        { name: "temperature", from: "env.temp", type: "number", required: true },
        { name: "battery", from: "power.pct", type: "integer" },
        { name: "firmware", from: "meta", flatten: true },
      ],
      drop: [{ field: "kind", equals: "heartbeat" }],
    },
  ],
};

interface Published {
  good: number;
  heartbeats: number;
  /** The bad messages as the rule forwards them. */
  bad: string[];
  /** Payloads the rule refuses: they carry their own topic or receivedAt. */
  spoofed: number;
  publishes: Array<{ topic: string; payload: string; receivedAt: number }>;
}

/** What the devices publish, one MQTT publish each (the rule adds topic and receivedAt). */
function publish(devices: number, perDevice: number): Published {
  const start = Date.now();
  const out: Published = { good: 0, heartbeats: 0, bad: [], spoofed: 0, publishes: [] };
  const send = (topic: string, payload: unknown, i: number) => {
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    out.publishes.push({ topic, payload: text, receivedAt: start + i });
    const outcome = applyRules(topic, start + i, text);
    return outcome.to === "stream" ? outcome.record : "";
  };
  for (let d = 0; d < devices; d++) {
    const device = `sensor-${d}`;
    for (let i = 0; i < perDevice; i++) {
      // Three topic levels below the device: the rule reads every level under the topic.
      const level = ["env", "env/indoor", "env/indoor/desk"][i % 3] as string;
      send(
        `${TOPIC}/${device}/${level}`,
        { env: { temp: 19 + (i % 7) }, power: { pct: 90 - i }, meta: { fw: "2.4.1" } },
        i,
      );
      out.good++;
    }
    send(`${TOPIC}/${device}/status`, { kind: "heartbeat" }, perDevice);
    out.heartbeats++;
    // A reading that fails the schema.
    out.bad.push(send(`${TOPIC}/${device}/env`, { env: { temp: "n/a" } }, perDevice + 1));
  }
  // A device id that could not be a partition, and a payload that is no JSON.
  out.bad.push(send(`${TOPIC}/bad..id/env`, { env: { temp: 20 } }, 0));
  out.bad.push(send(`${TOPIC}/sensor-0/env`, "not json at all", 0));
  // A device writing as another one: refused by the rule, kept under rule-errors/.
  send(`${TOPIC}/sensor-0/env`, { topic: `${TOPIC}/sensor-1/env`, env: { temp: 99 } }, 0);
  out.spoofed++;
  return out;
}

/** Empties a bucket of the local stack, so that what the scene reads back is this run's. */
async function emptied(s3: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    if (Contents.length === 0) return;
    await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: Contents.map(({ Key }) => ({ Key })) } }),
    );
  }
}

const lineCount = (bodies: Iterable<string>) => linesOf(bodies).length;
const objects = gunzippedObjects;

const scene: Scene<{ devices: number; messages: number }> = {
  manifest,
  title: "device messages landed in S3 as clean, partitioned records; bad ones under the error prefix",
  options: {
    devices: { description: "simulated devices", default: 5 },
    messages: { description: "good messages each device publishes", default: 30 },
  },
  optionProblems: ({ devices, messages }) => [
    ...(devices > 0 && devices <= 1000 ? [] : [`--devices must be from 1 to 1000, got ${devices}`]),
    ...(messages > 0 && messages <= 10_000 ? [] : [`--messages must be from 1 to 10000, got ${messages}`]),
  ],
  async play(stage, { devices, messages }) {
    const config = parseTelemetryConfig(CONFIG);
    // Read by the transformation at its cold start, as infra sets it from the stack's config.
    process.env.TELEMETRY_CONFIG = JSON.stringify(config);
    const s3 = awsClient(S3Client);
    // The local stack's data and raw buckets (the transformation reads neither, so no variable names them).
    const DATA_BUCKET = stage.resources.data as string;
    const RAW_BUCKET = stage.resources.raw as string;
    await emptied(s3, DATA_BUCKET);
    await emptied(s3, RAW_BUCKET);

    stage.step(`${devices} devices publish under ${TOPIC}/<device>/… (good, heartbeats, bad)`);
    stage.limitation(
      "The emulator stores topic rules but never runs them: the scene applies a model of the two rules (SELECT topic() AS topic, timestamp() AS receivedAt, * … WHERE the payload has neither key; the rest to rule-errors/).",
    );
    const published = publish(devices, messages);
    stage.info(
      `${published.publishes.length} messages: ${published.good} readings, ${published.heartbeats} heartbeats, ${published.bad.length} bad, ${published.spoofed} carrying another device's topic`,
    );

    stage.step("Firehose batches them (1 MB) through the transformation");
    stage.limitation(
      "The emulator's Firehose never invokes a processor and has no dynamic partitioning: a local delivery driver (test tooling) does Firehose's part around the real handler.",
    );
    const delivery = new LocalDelivery(
      s3,
      {
        bucket: DATA_BUCKET,
        prefix: dataPrefix(config),
        errorOutputPrefix: ERROR_PREFIX,
        fileExtension: fileExtension(config),
        backup: { bucket: RAW_BUCKET, prefix: RAW_PREFIX },
        batchBytes: 1024 * 1024,
        lambdaArn: `arn:aws:lambda:local:000000000000:function:${manifest.name}-transform`,
      },
      (event) => stage.invoke("transform", event),
    );
    const rules = new LocalRules(s3, DATA_BUCKET, delivery);
    for (const { topic, payload, receivedAt } of published.publishes)
      await rules.publish(topic, payload, receivedAt);
    const { result: report } = await stage.measure(
      "transform",
      () => delivery.flush(),
      async () => lineCount((await objects(s3, DATA_BUCKET, DATA_ROOT)).values()),
    );

    stage.step("What landed where, read back from S3");
    const data = await objects(s3, DATA_BUCKET, DATA_ROOT);
    const partitions = new Map<string, number>();
    for (const [key, body] of data) {
      const partition = key.split("/").slice(1, -1).join("/");
      partitions.set(partition, (partitions.get(partition) ?? 0) + lineCount([body]));
    }
    for (const [partition, count] of [...partitions].sort())
      stage.info(`s3://${DATA_BUCKET}/data/${partition}/  ${count} records`);
    const errors = await objects(s3, DATA_BUCKET, "errors/");
    const raw = await objects(s3, RAW_BUCKET, "raw/");
    const landed = lineCount(data.values());
    const failedRecords = [...errors.values()]
      .flatMap((body) => body.split("\n").filter((line) => line !== ""))
      .map((line) => Buffer.from((JSON.parse(line) as ErrorRecord).rawData, "base64").toString("utf8"));
    const refused = await s3.send(
      new ListObjectsV2Command({ Bucket: DATA_BUCKET, Prefix: RULE_REFUSED_PREFIX }),
    );
    const failed = failedRecords.length;
    const sample = [...data.values()][0]?.split("\n")[0];
    if (sample) stage.info(`a record: ${sample}`);
    for (const key of errors.keys()) stage.info(`s3://${DATA_BUCKET}/${key}`);

    stage.check(
      "every reading landed once, in its device's partition",
      landed === published.good && partitions.size === devices,
      `${landed} of ${published.good} in ${partitions.size} partitions`,
    );
    stage.check(
      "every bad message is under the error prefix with its original data",
      JSON.stringify(failedRecords.sort()) === JSON.stringify([...published.bad].sort()),
      `${failed} of ${published.bad.length}`,
    );
    stage.check(
      "a payload naming another device's topic was refused by the rule, kept under rule-errors/",
      refused.KeyCount === published.spoofed &&
        !linesOf(data.values()).some(
          (line) => (JSON.parse(line) as { temperature?: number }).temperature === 99,
        ),
      `${refused.KeyCount ?? 0} of ${published.spoofed}`,
    );
    stage.check(
      "heartbeats were dropped, not stored",
      report.dropped === published.heartbeats && !sample?.includes("heartbeat"),
      `${report.dropped} dropped`,
    );
    stage.check(
      "every message is in the raw backup",
      lineCount(raw.values()) === published.publishes.length - published.spoofed,
      `${lineCount(raw.values())} of ${published.publishes.length - published.spoofed}`,
    );
    stage.figure("transformation invocations", report.invocations);
    stage.figure("partitions", partitions.size);
    stage.figure("records landed", landed);
    stage.figure("records under errors/", failed);
    stage.figure("records dropped", report.dropped);
    stage.figure("messages refused by the rule", refused.KeyCount ?? 0);
    stage.figure("raw batches", raw.size);
  },
};

/** The package's scenes, in the order `./run demo` plays them. */
export const scenes = [scene];
