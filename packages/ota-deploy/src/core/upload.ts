// `./run ota release <file>`: a multipart upload streamed from disk with MD5 and SHA-256 computed in the same
// pass, as CI would call it. Resumable: an upload of the same key left unfinished is found (ListMultipartUploads)
// and only its missing parts are sent; the parts already there are still read, for the hashes, and checked
// against their ETags. Memory holds the parts in flight, never the file. Nothing is completed unless every part
// is there; the key is written once (If-None-Match). The object is tagged with its hashes, which the release
// handler verifies.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type Part,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { AppError, ConflictError, unlessNotFound } from "@fleet/shared-aws";

export const PART_BYTES = 16 * 1024 * 1024;

export interface UploadInput {
  bucket: string;
  key: string;
  file: string;
  partBytes?: number;
  /** Parts sent at once (default 4). */
  concurrency?: number;
}

export interface UploadResult {
  bucket: string;
  key: string;
  versionId: string | null;
  size: number;
  md5: string;
  sha256: string;
  partsSent: number;
  partsResumed: number;
}

export async function uploadFirmware(s3: S3Client, input: UploadInput): Promise<UploadResult> {
  const partBytes = input.partBytes ?? PART_BYTES;
  const { size } = await stat(input.file);
  const done = await alreadyUploaded(s3, input, size);
  if (done) return done;
  const uploadId = (await unfinishedUpload(s3, input)) ?? (await startUpload(s3, input));
  const existing = await uploadedParts(s3, input, uploadId);
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  const parts: Part[] = [];
  const inFlight = new Set<Promise<void>>();
  // The first part that failed: nothing is completed after it, whichever part it was.
  let failure: { error: unknown } | undefined;
  let partsSent = 0;
  let partsResumed = 0;
  let partNumber = 0;
  for await (const body of partsOf(input.file, partBytes)) {
    if (failure) break;
    md5.update(body);
    sha256.update(body);
    partNumber += 1;
    const number = partNumber;
    // A part already uploaded is kept when its ETag (the part's MD5) matches the file's bytes.
    const uploaded = existing.get(number);
    if (uploaded && uploaded === `"${createHash("md5").update(body).digest("hex")}"`) {
      parts.push({ PartNumber: number, ETag: uploaded });
      partsResumed += 1;
      continue;
    }
    const sending = s3
      .send(
        new UploadPartCommand({
          Bucket: input.bucket,
          Key: input.key,
          UploadId: uploadId,
          PartNumber: number,
          Body: body,
        }),
      )
      .then(
        (answer) => {
          parts.push({ PartNumber: number, ETag: answer.ETag as string });
          partsSent += 1;
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    if (inFlight.size >= (input.concurrency ?? 4)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  // The upload stays open: a re-run resumes it, sending only the parts that are missing.
  if (failure) throw failure.error;
  parts.sort((a, b) => (a.PartNumber as number) - (b.PartNumber as number));
  const expectedParts = Math.max(1, Math.ceil(size / partBytes));
  if (parts.length !== expectedParts || parts.some((part, i) => part.PartNumber !== i + 1)) {
    throw new AppError(
      `upload of ${input.file}: ${parts.length} of ${expectedParts} parts were uploaded; nothing was completed, run the release again to resume`,
      { name: "IncompleteUpload" },
    );
  }
  const completed = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: input.bucket,
      Key: input.key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
      // A firmware key is written once: a released object is never replaced.
      IfNoneMatch: "*",
    }),
  );
  const hashes = { md5: md5.digest("hex"), sha256: sha256.digest("hex") };
  const versionId = versionOf(completed.VersionId);
  await tagHashes(s3, input, versionId, hashes);
  return { bucket: input.bucket, key: input.key, versionId, size, ...hashes, partsSent, partsResumed };
}

/** The object's version; an unversioned bucket has none (some S3 implementations answer the string "null"). */
const versionOf = (versionId: string | undefined) => (versionId && versionId !== "null" ? versionId : null);

async function tagHashes(
  s3: S3Client,
  input: UploadInput,
  versionId: string | null,
  hashes: { md5: string; sha256: string },
): Promise<void> {
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: input.bucket,
      Key: input.key,
      ...(versionId ? { VersionId: versionId } : {}),
      Tagging: {
        TagSet: [
          { Key: "md5", Value: hashes.md5 },
          { Key: "sha256", Value: hashes.sha256 },
        ],
      },
    }),
  );
}

/**
 * A firmware key is written once. When it exists, the file is hashed and compared with the hashes the object
 * was tagged with: the same bytes are the same upload (a CI re-run after success), other bytes a conflict —
 * before anything is written.
 */
async function alreadyUploaded(
  s3: S3Client,
  input: UploadInput,
  size: number,
): Promise<UploadResult | undefined> {
  const head = await unlessNotFound(() =>
    s3.send(new HeadObjectCommand({ Bucket: input.bucket, Key: input.key })),
  );
  if (!head) return undefined;
  const versionId = versionOf(head.VersionId);
  const { TagSet = [] } = await s3.send(
    new GetObjectTaggingCommand({
      Bucket: input.bucket,
      Key: input.key,
      ...(versionId ? { VersionId: versionId } : {}),
    }),
  );
  const tagged = (name: string) => TagSet.find((t) => t.Key === name)?.Value;
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  const partDigests: Buffer[] = [];
  for await (const part of partsOf(input.file, input.partBytes ?? PART_BYTES)) {
    md5.update(part);
    sha256.update(part);
    partDigests.push(createHash("md5").update(part).digest());
  }
  const hashes = { md5: md5.digest("hex"), sha256: sha256.digest("hex") };
  // S3's ETag of a multipart object: the MD5 of its parts' MD5s, and the part count.
  const etag = `"${createHash("md5").update(Buffer.concat(partDigests)).digest("hex")}-${partDigests.length}"`;
  const sameBytes = tagged("sha256") === hashes.sha256 || (!tagged("sha256") && head.ETag === etag);
  if (!sameBytes || head.ContentLength !== size) {
    throw new ConflictError(
      `s3://${input.bucket}/${input.key} exists with other bytes (sha256 ${tagged("sha256") ?? "untagged"}, this file ${hashes.sha256}); released firmware is never replaced: choose another version`,
    );
  }
  // An upload interrupted between completing and tagging gets its tags now.
  if (!tagged("sha256")) await tagHashes(s3, input, versionId, hashes);
  return {
    bucket: input.bucket,
    key: input.key,
    versionId,
    size,
    ...hashes,
    partsSent: 0,
    partsResumed: 0,
  };
}

/** The file as parts of exactly `partBytes` (the last one shorter), read as a stream. */
async function* partsOf(file: string, partBytes: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let yielded = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let rest = chunk;
    while (pendingBytes + rest.length >= partBytes) {
      const take = partBytes - pendingBytes;
      pending.push(rest.subarray(0, take));
      yield Buffer.concat(pending);
      yielded += 1;
      rest = rest.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (rest.length > 0) {
      pending.push(rest);
      pendingBytes += rest.length;
    }
  }
  // The last, shorter part; an empty file is one empty part, a file of whole parts has no empty one.
  if (pendingBytes > 0 || yielded === 0) yield Buffer.concat(pending);
}

async function unfinishedUpload(s3: S3Client, input: UploadInput): Promise<string | undefined> {
  const { Uploads = [] } = await s3.send(
    new ListMultipartUploadsCommand({ Bucket: input.bucket, Prefix: input.key }),
  );
  return Uploads.filter((u) => u.Key === input.key).sort(
    (a, b) => Number(b.Initiated) - Number(a.Initiated),
  )[0]?.UploadId;
}

async function startUpload(s3: S3Client, input: UploadInput): Promise<string> {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: input.bucket,
      Key: input.key,
      ContentType: "application/octet-stream",
    }),
  );
  return UploadId as string;
}

async function uploadedParts(
  s3: S3Client,
  input: UploadInput,
  uploadId: string,
): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  let marker: string | undefined;
  do {
    const page = await s3.send(
      new ListPartsCommand({
        Bucket: input.bucket,
        Key: input.key,
        UploadId: uploadId,
        PartNumberMarker: marker,
      }),
    );
    for (const part of page.Parts ?? []) found.set(part.PartNumber as number, part.ETag as string);
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return found;
}
