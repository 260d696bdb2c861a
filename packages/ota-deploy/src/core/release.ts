// The release handler's work: take a firmware object already in the bucket, verify its MD5 and SHA-256 by
// reading it in ranged, streamed GETs (memory stays flat whatever the size; at the deadline the hash state goes
// into the cursor and the next invocation goes on from there), sign its SHA-256 with the stack's KMS key when
// asked, give it a stream file id and write the release record once.
import type { KMSClient } from "@aws-sdk/client-kms";
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  AppError,
  ConflictError,
  errorName,
  NotFoundError,
  TransientError,
  unlessNotFound,
  ValidationError,
} from "@fleet/shared-aws";
import * as z from "zod/mini";
import { ResumableHashes } from "./hashing";
import {
  type ReleaseRecord,
  readRelease,
  releaseConflict,
  SIGNATURE_ALGORITHM,
  writeRelease,
} from "./release-record";
import { signDigest } from "./signing";

/** Bytes per ranged GET: one request's worth of streaming, never held in memory at once. */
export const RANGE_BYTES = 64 * 1024 * 1024;

export const releaseCursorSchema = z.strictObject({
  versionId: z.nullable(z.string()),
  etag: z.string(),
  size: z.int(),
  /** Bytes hashed so far. */
  offset: z.int(),
  hashes: z.strictObject({ md5: z.string(), sha256: z.string() }),
  expected: z.strictObject({ md5: z.string(), sha256: z.string() }),
});
export type ReleaseCursor = z.infer<typeof releaseCursorSchema>;

export interface ReleaseInput {
  version: string;
  key: string;
  versionId?: string | undefined;
  expected?: { md5: string; sha256: string } | undefined;
  sign: boolean;
  cursor?: ReleaseCursor | null | undefined;
}

export interface ReleaseDeps {
  s3: S3Client;
  kms: KMSClient;
  bucket: string;
  signingKeyId?: string | undefined;
  /** Epoch ms at which to stop reading and return the cursor. */
  deadline: number;
  rangeBytes?: number;
}

export interface ReleaseResult {
  done: boolean;
  cursor: ReleaseCursor | null;
  /** Bytes verified so far, of `size`. */
  verified: number;
  size: number;
  outcome?: "created" | "existed";
  release?: ReleaseRecord;
}

export async function release(deps: ReleaseDeps, input: ReleaseInput): Promise<ReleaseResult> {
  if (input.sign && !deps.signingKeyId) {
    throw new ValidationError([
      "sign: this stack has no signing key (SIGNING_KEY_ID is unset); release unsigned or enable signing",
    ]);
  }
  const cursor = input.cursor ?? (await startVerification(deps, input));
  if ("done" in cursor) return cursor;
  const hashes = await ResumableHashes.start(input.cursor?.hashes);
  let offset = cursor.offset;
  const rangeBytes = deps.rangeBytes ?? RANGE_BYTES;
  // At least one range per invocation, so that every invocation makes progress however late it starts.
  for (let first = true; offset < cursor.size && (first || Date.now() < deps.deadline); first = false) {
    const end = Math.min(cursor.size, offset + rangeBytes) - 1;
    const object = await deps.s3.send(
      new GetObjectCommand({
        Bucket: deps.bucket,
        Key: input.key,
        Range: `bytes=${offset}-${end}`,
        ...(cursor.versionId ? { VersionId: cursor.versionId } : { IfMatch: cursor.etag }),
      }),
    );
    for await (const chunk of object.Body as AsyncIterable<Uint8Array>) {
      hashes.update(chunk);
      offset += chunk.length;
    }
    if (offset !== end + 1)
      throw new TransientError(`short read of s3://${deps.bucket}/${input.key} at byte ${offset}`);
  }
  if (offset < cursor.size) {
    return {
      done: false,
      cursor: { ...cursor, offset, hashes: hashes.save() },
      verified: offset,
      size: cursor.size,
    };
  }
  const actual = hashes.digest();
  for (const kind of ["md5", "sha256"] as const) {
    if (actual[kind] !== cursor.expected[kind]) {
      throw new AppError(
        `${kind} of s3://${deps.bucket}/${input.key} is ${actual[kind]}, expected ${cursor.expected[kind]}: the object is not the firmware that was uploaded`,
        { name: "IntegrityError" },
      );
    }
  }
  const record: ReleaseRecord = {
    version: input.version,
    bucket: deps.bucket,
    key: input.key,
    versionId: cursor.versionId,
    size: cursor.size,
    ...actual,
    fileId: await nextFileId(deps, input.version),
    signature: input.sign
      ? {
          value: await signDigest(deps.kms, deps.signingKeyId as string, actual.sha256),
          algorithm: SIGNATURE_ALGORITHM,
          keyId: deps.signingKeyId as string,
        }
      : null,
    releasedAt: new Date().toISOString(),
  };
  const outcome = await writeRelease(deps.s3, record);
  const stored = outcome === "created" ? record : await readRelease(deps.s3, deps.bucket, input.version);
  return {
    done: true,
    cursor: null,
    verified: cursor.size,
    size: cursor.size,
    outcome,
    release: stored ?? record,
  };
}

/** The object pinned, the expected hashes found; or, for a release that exists already, its answer. */
async function startVerification(
  deps: ReleaseDeps,
  input: ReleaseInput,
): Promise<ReleaseCursor | ReleaseResult> {
  const head = await unlessNotFound(() =>
    deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: input.key, VersionId: input.versionId })),
  );
  if (!head)
    throw new NotFoundError(
      `key: s3://${deps.bucket}/${input.key} does not exist${input.versionId ? ` in version ${input.versionId}` : ""}`,
    );
  const versionId = head.VersionId ?? null;
  const expected = input.expected ?? (await taggedHashes(deps, input.key, versionId));
  const existing = await readRelease(deps.s3, deps.bucket, input.version);
  if (existing) {
    const conflict = releaseConflict(existing, { sha256: expected.sha256, sign: input.sign });
    if (conflict) throw new ConflictError(conflict);
    return {
      done: true,
      cursor: null,
      verified: existing.size,
      size: existing.size,
      outcome: "existed",
      release: existing,
    };
  }
  return {
    versionId,
    etag: head.ETag as string,
    size: head.ContentLength ?? 0,
    offset: 0,
    hashes: (await ResumableHashes.start()).save(),
    expected,
  };
}

/** The hashes `./run ota release` tagged the object with while uploading it. */
async function taggedHashes(deps: ReleaseDeps, key: string, versionId: string | null) {
  const { TagSet = [] } = await deps.s3.send(
    new GetObjectTaggingCommand({
      Bucket: deps.bucket,
      Key: key,
      ...(versionId ? { VersionId: versionId } : {}),
    }),
  );
  const tag = (name: string) => TagSet.find((t) => t.Key === name)?.Value;
  const md5 = tag("md5");
  const sha256 = tag("sha256");
  if (!md5 || !sha256) {
    throw new ValidationError([
      "expected: give the md5 and sha256 the uploader computed, or upload with ./run ota release, which tags the object with them",
    ]);
  }
  return { md5, sha256 };
}

/**
 * Stream file ids are 0–255: each release claims the next sequence number with a conditional write
 * (`file-ids/<n>` with If-None-Match), so two releases at once never get the same one, and its id is n mod 256:
 * the last 256 releases have distinct ids (not random, and not always the same). The search starts at the
 * number of claims so far; a claim taken meanwhile (or a gap left by a deleted one) moves it on.
 */
async function nextFileId(deps: ReleaseDeps, version: string): Promise<number> {
  let sequence = 0;
  let token: string | undefined;
  do {
    const page = await deps.s3.send(
      new ListObjectsV2Command({ Bucket: deps.bucket, Prefix: FILE_ID_PREFIX, ContinuationToken: token }),
    );
    sequence += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  for (;;) {
    try {
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: deps.bucket,
          Key: `${FILE_ID_PREFIX}${sequence}`,
          Body: version,
          IfNoneMatch: "*",
        }),
      );
      return sequence % 256;
    } catch (error) {
      if (errorName(error) !== "PreconditionFailed") throw error;
      sequence += 1;
    }
  }
}

const FILE_ID_PREFIX = "file-ids/";
