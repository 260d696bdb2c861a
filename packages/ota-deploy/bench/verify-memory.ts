// One verification in a fresh process (run by bench/run.ts, one per size), so that its memory baseline holds
// nothing from earlier work: prints {seconds, peakMb} as JSON. Argument: the release version; the object is
// firmware/<version>/fw.bin in BENCH_BUCKET, the emulator as the parent's environment names it.
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { firmwareKey } from "../src/core/names";
import { release } from "../src/core/release";

const MB = 1024 * 1024;
const version = process.argv[2] as string;
const bucket = process.env.BENCH_BUCKET as string;
const s3 = new S3Client({ forcePathStyle: true });
const kms = new KMSClient({});

/** What the process holds for data now: the V8 heap in use and the array buffers (Node's Buffers). */
const heldBytes = () => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};

if (!global.gc) throw new Error("run with --expose-gc");
global.gc();
const baseline = heldBytes();
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, heldBytes());
}, 10);
const started = process.hrtime.bigint();
const result = await release(
  { s3, kms, bucket, deadline: Date.now() + 600_000 },
  { version, key: firmwareKey(version, "fw.bin"), sign: false },
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
clearInterval(sampler);
peak = Math.max(peak, heldBytes());
if (!result.done) throw new Error("verification did not finish");
process.stdout.write(`${JSON.stringify({ seconds, peakMb: (peak - baseline) / MB })}\n`);
