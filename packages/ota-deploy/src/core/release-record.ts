// A release: one firmware object version, its hashes, optional signature and stream file id, identified by its
// version and written once (S3 If-None-Match): the same version with other bytes is a conflict.
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ConflictError, errorName, unlessNotFound } from "@fleet/shared-aws";
import * as z from "zod/mini";
import { releaseRecordKey } from "./names";

/** FreeRTOS OTA's name for an ECDSA P-256 signature over the SHA-256 of the file (base64 of its DER form). */
export const SIGNATURE_ALGORITHM = "sig-sha256-ecdsa";

export const releaseRecordSchema = z.strictObject({
  version: z.string(),
  bucket: z.string(),
  key: z.string(),
  /** The object version the hashes are of (null in a bucket without versioning). */
  versionId: z.nullable(z.string()),
  size: z.int(),
  md5: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  fileId: z.int().check(z.minimum(0), z.maximum(255)),
  signature: z.nullable(
    z.strictObject({ value: z.string(), algorithm: z.literal(SIGNATURE_ALGORITHM), keyId: z.string() }),
  ),
  releasedAt: z.string(),
});
export type ReleaseRecord = z.infer<typeof releaseRecordSchema>;

export async function readRelease(
  s3: S3Client,
  bucket: string,
  version: string,
): Promise<ReleaseRecord | undefined> {
  const object = await unlessNotFound(() =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: releaseRecordKey(version) })),
  );
  if (!object?.Body) return undefined;
  return releaseRecordSchema.parse(JSON.parse(await object.Body.transformToString()));
}

/** Why an existing release is not the one asked for, or undefined when it is the same release. */
export function releaseConflict(
  existing: ReleaseRecord,
  wanted: { sha256: string; sign: boolean },
): string | undefined {
  if (existing.sha256 !== wanted.sha256) {
    return `release ${existing.version} exists with other bytes (sha256 ${existing.sha256}, not ${wanted.sha256}); releases are immutable: choose another version`;
  }
  if (wanted.sign && !existing.signature) {
    return `release ${existing.version} exists unsigned; releases are immutable: release the firmware signed under another version`;
  }
  return undefined;
}

/** Writes the record unless one exists; a record written meanwhile must be the same release. */
export async function writeRelease(s3: S3Client, record: ReleaseRecord): Promise<"created" | "existed"> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: record.bucket,
        Key: releaseRecordKey(record.version),
        Body: JSON.stringify(record, null, 2),
        ContentType: "application/json",
        IfNoneMatch: "*",
      }),
    );
    return "created";
  } catch (error) {
    if (errorName(error) !== "PreconditionFailed") throw error;
    const existing = await readRelease(s3, record.bucket, record.version);
    const conflict =
      existing && releaseConflict(existing, { sha256: record.sha256, sign: !!record.signature });
    if (!existing || conflict)
      throw new ConflictError(conflict ?? `release ${record.version} is being written`);
    return "existed";
  }
}
