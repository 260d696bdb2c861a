// Release against the emulator: the streamed multipart upload (hashes equal to md5sum/sha256sum of the file, a
// resumed upload sends only the missing parts), the release handler's ranged verification resumed across
// invocations, the KMS signature checked with the key's public half, and releases immutable by version.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { KMSClient } from "@aws-sdk/client-kms";
import {
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { awsClient } from "@fleet/shared-aws";
import { beforeAll, describe, expect, it, jest } from "@jest/globals";
import { firmwareKey } from "../../src/core/names";
import { release } from "../../src/core/release";
import { readRelease } from "../../src/core/release-record";
import { uploadFirmware } from "../../src/core/upload";
import { verifyWithPublicKey } from "../../src/core/verify-signature";
import {
  configureHandlers,
  createFirmwareBucket,
  firmwareFile,
  invoke,
  signingKey,
} from "../support/integration";

jest.setTimeout(180_000);
const BUCKET = "it-release-firmware";
const MB = 1024 * 1024;
const s3 = awsClient(S3Client);
const kms = awsClient(KMSClient);
let keyId: string;

const independentHash = (tool: string, file: string) =>
  execFileSync(tool, [file], { encoding: "utf8" }).split(" ")[0];

beforeAll(async () => {
  await createFirmwareBucket(BUCKET);
  keyId = await signingKey();
  configureHandlers(BUCKET, { SIGNING_KEY_ID: keyId });
});

describe("./run ota release: the streamed multipart upload", () => {
  it("uploads in parts with MD5 and SHA-256 equal to md5sum and sha256sum of the same file, and tags the object with them", async () => {
    const file = firmwareFile("upload.bin", 12 * MB + 123);
    const result = await uploadFirmware(s3, {
      bucket: BUCKET,
      key: firmwareKey("1.0.0", "upload.bin"),
      file,
      partBytes: 5 * MB,
    });
    expect(result.md5).toBe(independentHash("md5sum", file));
    expect(result.sha256).toBe(independentHash("sha256sum", file));
    expect(result).toMatchObject({ size: 12 * MB + 123, partsSent: 3, partsResumed: 0 });
    expect(result.versionId).toEqual(expect.any(String));
  });

  it("resumes an interrupted upload: the parts already there are checked, not sent again", async () => {
    const file = firmwareFile("resume.bin", 16 * MB);
    const key = firmwareKey("1.0.1", "resume.bin");
    // A client whose third part fails, as a dropped connection would.
    const failing = new S3Client({ forcePathStyle: true });
    let parts = 0;
    failing.middlewareStack.add(
      (next) => async (args) => {
        if (args.input && (args.input as { PartNumber?: number }).PartNumber !== undefined && ++parts === 3) {
          throw Object.assign(new Error("connection reset"), { name: "NetworkingError" });
        }
        return next(args);
      },
      { step: "initialize" },
    );
    await expect(
      uploadFirmware(failing, { bucket: BUCKET, key, file, partBytes: 5 * MB, concurrency: 1 }),
    ).rejects.toThrow("connection reset");
    const resumed = await uploadFirmware(s3, { bucket: BUCKET, key, file, partBytes: 5 * MB });
    expect(resumed.partsResumed).toBe(2);
    expect(resumed.partsSent).toBe(2);
    expect(resumed.sha256).toBe(independentHash("sha256sum", file));
  });
});

/** A client whose `nth` UploadPart fails, as a dropped connection would. */
function failingPart(nth: number): S3Client {
  const client = new S3Client({ forcePathStyle: true });
  let parts = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { PartNumber?: number }).PartNumber !== undefined && ++parts === nth) {
        throw Object.assign(new Error("connection reset"), { name: "NetworkingError" });
      }
      return next(args);
    },
    { step: "initialize" },
  );
  return client;
}

describe("./run ota release: never a corrupt or replaced object", () => {
  it("completes nothing when a part fails while others are in flight (concurrency 4), then resumes", async () => {
    const file = firmwareFile("gap.bin", 26 * MB);
    const key = firmwareKey("1.1.0", "gap.bin");
    await expect(
      uploadFirmware(failingPart(1), { bucket: BUCKET, key, file, partBytes: 5 * MB, concurrency: 4 }),
    ).rejects.toThrow("connection reset");
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).rejects.toMatchObject({
      name: "NotFound",
    });
    const resumed = await uploadFirmware(s3, { bucket: BUCKET, key, file, partBytes: 5 * MB });
    expect(resumed.partsSent + resumed.partsResumed).toBe(6);
    expect(resumed.partsSent).toBeGreaterThanOrEqual(1);
    expect(resumed.sha256).toBe(independentHash("sha256sum", file));
  });

  it("sends no empty trailing part for a file of whole parts", async () => {
    const file = firmwareFile("whole.bin", 10 * MB);
    const key = firmwareKey("1.2.0", "whole.bin");
    const result = await uploadFirmware(s3, { bucket: BUCKET, key, file, partBytes: 5 * MB });
    expect(result.partsSent).toBe(2);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ETag).toMatch(/-2"$/);
    expect(head.ContentLength).toBe(10 * MB);
  });

  it("finds the same bytes already uploaded, and refuses other bytes under a released key before writing", async () => {
    const file = firmwareFile("once.bin", MB);
    const key = firmwareKey("1.3.0", "once.bin");
    const first = await uploadFirmware(s3, { bucket: BUCKET, key, file });
    const again = await uploadFirmware(s3, { bucket: BUCKET, key, file });
    expect(again).toMatchObject({ versionId: first.versionId, sha256: first.sha256, partsSent: 0 });
    await expect(
      uploadFirmware(s3, { bucket: BUCKET, key, file: firmwareFile("once-other.bin", MB) }),
    ).rejects.toMatchObject({ name: "ConflictError", message: expect.stringContaining("never replaced") });
    const { Versions = [] } = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: key }));
    expect(Versions.map((v) => v.VersionId)).toEqual([first.versionId]);
  });
});

describe("the release handler", () => {
  it("verifies by ranged reads resumed across invocations, each carrying only the hash state, and records the release", async () => {
    const file = firmwareFile("ranged.bin", 7 * MB + 5);
    const key = firmwareKey("2.0.0", "ranged.bin");
    await uploadFirmware(s3, { bucket: BUCKET, key, file, partBytes: 5 * MB });
    const invocations: number[] = [];
    let cursor = null;
    for (;;) {
      // Each invocation starts past its deadline: it reads one 1 MB range and hands over its cursor.
      const result = await release(
        { s3, kms, bucket: BUCKET, deadline: 0, rangeBytes: MB },
        { version: "2.0.0", key, sign: false, cursor },
      );
      invocations.push(result.verified);
      if (result.done) {
        expect(result.release).toMatchObject({
          version: "2.0.0",
          key,
          size: 7 * MB + 5,
          sha256: independentHash("sha256sum", file),
          signature: null,
        });
        break;
      }
      expect(JSON.stringify(result.cursor).length).toBeLessThan(2000);
      cursor = result.cursor;
    }
    expect(invocations).toHaveLength(8);
    expect(await readRelease(s3, BUCKET, "2.0.0")).toMatchObject({ md5: independentHash("md5sum", file) });
  });

  it("signs the SHA-256 with the KMS key; the signature verifies against the key's public half over the file", async () => {
    const file = firmwareFile("signed.bin", 3 * MB);
    const key = firmwareKey("3.0.0", "signed.bin");
    await uploadFirmware(s3, { bucket: BUCKET, key, file });
    const result = await invoke<{
      done: boolean;
      release: { signature: { value: string; algorithm: string; keyId: string } };
    }>("release", { version: "3.0.0", key, sign: true });
    expect(result.done).toBe(true);
    const { signature } = result.release;
    expect(signature).toMatchObject({ algorithm: "sig-sha256-ecdsa", keyId });
    // DER: an ASN.1 SEQUENCE of two integers.
    expect(Buffer.from(signature.value, "base64")[0]).toBe(0x30);
    expect(await verifyWithPublicKey(kms, keyId, readFileSync(file), signature.value)).toBe(true);
    expect(await verifyWithPublicKey(kms, keyId, Buffer.from("other firmware"), signature.value)).toBe(false);
  });

  it("is immutable: the same version again is the same release, other bytes under that version are a conflict", async () => {
    const file = firmwareFile("immutable.bin", MB);
    const key = firmwareKey("4.0.0", "immutable.bin");
    await uploadFirmware(s3, { bucket: BUCKET, key, file });
    const first = await invoke<{ outcome: string; release: { fileId: number } }>("release", {
      version: "4.0.0",
      key,
    });
    const again = await invoke<{ outcome: string; release: { fileId: number } }>("release", {
      version: "4.0.0",
      key,
    });
    expect([first.outcome, again.outcome]).toEqual(["created", "existed"]);
    expect(again.release.fileId).toBe(first.release.fileId);
    const other = firmwareFile("other.bin", MB);
    const otherKey = firmwareKey("4.0.0", "other.bin");
    await uploadFirmware(s3, { bucket: BUCKET, key: otherKey, file: other });
    await expect(invoke("release", { version: "4.0.0", key: otherKey })).rejects.toMatchObject({
      name: "ConflictError",
    });
    await expect(invoke("release", { version: "4.0.0", key, sign: true })).rejects.toMatchObject({
      name: "ConflictError",
    });
  });

  it("gives each release the next stream file id, not a random one or always the same", async () => {
    const ids: number[] = [];
    for (const version of ["5.0.0", "5.0.1"]) {
      const key = firmwareKey(version, "f.bin");
      await uploadFirmware(s3, { bucket: BUCKET, key, file: firmwareFile(`${version}.bin`, 1000) });
      ids.push((await invoke<{ release: { fileId: number } }>("release", { version, key })).release.fileId);
    }
    expect(ids[1]).toBe((ids[0] as number) + 1);
  });

  it("gives releases made at the same time distinct file ids (each claims its own)", async () => {
    const versions = ["5.1.0", "5.1.1", "5.1.2", "5.1.3"];
    for (const version of versions) {
      await uploadFirmware(s3, {
        bucket: BUCKET,
        key: firmwareKey(version, "f.bin"),
        file: firmwareFile(`${version}.bin`, 1000),
      });
    }
    const ids = await Promise.all(
      versions.map(
        async (version) =>
          (
            await invoke<{ release: { fileId: number } }>("release", {
              version,
              key: firmwareKey(version, "f.bin"),
            })
          ).release.fileId,
      ),
    );
    expect(new Set(ids).size).toBe(versions.length);
  });

  it("refuses an object whose bytes are not those the uploader hashed, and records nothing", async () => {
    const key = "firmware/6.0.0/tampered.bin";
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: "tampered" }));
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key: key,
        Tagging: {
          TagSet: [
            { Key: "md5", Value: "0".repeat(32) },
            { Key: "sha256", Value: "0".repeat(64) },
          ],
        },
      }),
    );
    await expect(invoke("release", { version: "6.0.0", key })).rejects.toMatchObject({
      name: "IntegrityError",
    });
    expect(await readRelease(s3, BUCKET, "6.0.0")).toBeUndefined();
  });

  it("refuses bad events naming the field, before any AWS call", async () => {
    await expect(invoke("release", { version: "bad version", key: "" })).rejects.toMatchObject({
      name: "ValidationError",
      message: expect.stringMatching(/version: .*key: /s),
    });
  });
});
