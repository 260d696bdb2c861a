// ./run bench for ota-deploy, against a local emulator started for the run:
//   BENCH ota-deploy/release: `./run ota release`'s upload of a 100 MB file (multipart, MD5 + SHA-256 in the same
//     pass) against a bare read + both hashes of the same file, in the same run; and the same upload without
//     hashing, which says whether the emulator or the hashing is the limit.
//   BENCH ota-deploy/verify: the release handler's streamed, ranged verification of an uploaded object, with the
//     peak of the memory a fresh process holds for data (V8 heap in use + array buffers, sampled every 10 ms,
//     after a GC) above its baseline, for a small object (one range) and a large one (five 64 MB ranges): flat
//     memory means the peak does not grow with the size. RSS is not used: it keeps its high-water mark.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutBucketVersioningCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { startEmulator } from "@fleet/testing/emulator";
import { firmwareKey } from "../src/core/names";
import { RANGE_BYTES } from "../src/core/release";
import { PART_BYTES, uploadFirmware } from "../src/core/upload";

const MB = 1024 * 1024;
const BUCKET = "bench-firmware";

async function bareReadAndHash(file: string): Promise<void> {
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: MB }) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha256.update(chunk);
  }
  md5.digest();
  sha256.digest();
}

async function timed<T>(work: () => Promise<T>): Promise<{ seconds: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, result };
}

/** The verification of one object in its own process (bench/verify-memory.ts): a clean memory baseline. */
function verifyInFreshProcess(version: string): { seconds: number; peakMb: number } {
  const output = execFileSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", join(import.meta.dirname, "verify-memory.ts"), version],
    { env: { ...process.env, BENCH_BUCKET: BUCKET }, encoding: "utf8" },
  );
  return JSON.parse(output) as { seconds: number; peakMb: number };
}

async function plainMultipart(client: S3Client, key: string, file: string): Promise<void> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  const handle = await open(file);
  const parts: { PartNumber: number; ETag: string }[] = [];
  const inFlight: Promise<void>[] = [];
  try {
    for (let number = 1, offset = 0; ; number++, offset += PART_BYTES) {
      const body = Buffer.alloc(PART_BYTES);
      const { bytesRead } = await handle.read(body, 0, PART_BYTES, offset);
      if (bytesRead === 0) break;
      const partNumber = number;
      inFlight.push(
        client
          .send(
            new UploadPartCommand({
              Bucket: BUCKET,
              Key: key,
              UploadId,
              PartNumber: partNumber,
              Body: body.subarray(0, bytesRead),
            }),
          )
          .then((answer) => {
            parts.push({ PartNumber: partNumber, ETag: answer.ETag as string });
          }),
      );
      if (inFlight.length >= 4) await inFlight.shift();
    }
    await Promise.all(inFlight);
  } finally {
    await handle.close();
  }
  parts.sort((a, b) => a.PartNumber - b.PartNumber);
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
}

const emulator = await startEmulator();
Object.assign(process.env, emulator.env);
const s3 = new S3Client({ forcePathStyle: true });
const files: string[] = [];
try {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Enabled" } }),
  );
  const file = join(tmpdir(), `ota-bench-${process.pid}-100.bin`);
  files.push(file);
  writeFileSync(file, randomBytes(100 * MB));

  // Warm both paths once (JIT, connections), then measure.
  await bareReadAndHash(file);
  const bare = await timed(() => bareReadAndHash(file));
  const upload = await timed(() =>
    uploadFirmware(s3, { bucket: BUCKET, key: firmwareKey("bench-1", "fw.bin"), file }),
  );
  // The same parts, sent as plainly as possible (no hash, no resume check): what the emulator alone allows.
  const plain = await timed(() => plainMultipart(s3, firmwareKey("bench-2", "fw.bin"), file));
  const mbPerS = 100 / upload.seconds;
  const bareMbPerS = 100 / bare.seconds;
  // The emulator is the limit when sending the parts alone takes most of the upload's time.
  const plainMbPerS = 100 / plain.seconds;
  const limit = plainMbPerS < 1.25 * mbPerS ? "emulator" : "hashing";
  console.log(
    `BENCH ota-deploy/release mb_per_s=${mbPerS.toFixed(1)} ratio=${(mbPerS / bareMbPerS).toFixed(3)} emulator_ratio=${(mbPerS / plainMbPerS).toFixed(3)} bare_read_hash_mb_per_s=${bareMbPerS.toFixed(1)} plain_upload_mb_per_s=${plainMbPerS.toFixed(1)} limit=${limit} parts=${upload.result.partsSent}`,
  );

  for (const size of [10, 300]) {
    const key = firmwareKey(`verify-${size}`, "fw.bin");
    const sized = join(tmpdir(), `ota-bench-${process.pid}-${size}.bin`);
    files.push(sized);
    writeFileSync(sized, randomBytes(size * MB));
    await uploadFirmware(s3, { bucket: BUCKET, key, file: sized });
    rmSync(sized, { force: true });
    const verified = verifyInFreshProcess(`verify-${size}`);
    console.log(
      `BENCH ota-deploy/verify size_mb=${size} mb_per_s=${(size / verified.seconds).toFixed(1)} peak_held_above_baseline_mb=${verified.peakMb.toFixed(1)} ranges=${Math.ceil((size * MB) / RANGE_BYTES)}`,
    );
  }
} finally {
  for (const file of files) rmSync(file, { force: true });
  await emulator.stop();
}
