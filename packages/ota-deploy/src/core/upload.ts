// `./run ota release <file>`: a multipart upload streamed from disk with MD5 and SHA-256 computed in the same
// pass, as CI would call it. Resumable: an upload of the same key left unfinished is found (ListMultipartUploads)
// and only its missing parts are sent; the parts already there are still read, for the hashes, and checked
// against their ETags. Memory holds the parts in flight, never the file. The object is tagged with its hashes,
// which the release handler verifies.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type Part,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";

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
  const uploadId = (await unfinishedUpload(s3, input)) ?? (await startUpload(s3, input));
  const existing = await uploadedParts(s3, input, uploadId);
  const md5 = createHash("md5");
  const sha256 = createHash("sha256");
  const parts: Part[] = [];
  const inFlight = new Set<Promise<void>>();
  let partsSent = 0;
  let partsResumed = 0;
  let partNumber = 0;
  for await (const body of partsOf(input.file, partBytes)) {
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
      .then((answer) => {
        parts.push({ PartNumber: number, ETag: answer.ETag as string });
        partsSent += 1;
      });
    inFlight.add(sending);
    sending.finally(() => inFlight.delete(sending)).catch(() => undefined);
    if (inFlight.size >= (input.concurrency ?? 4)) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  parts.sort((a, b) => (a.PartNumber as number) - (b.PartNumber as number));
  const completed = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: input.bucket,
      Key: input.key,
      UploadId: uploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  const hashes = { md5: md5.digest("hex"), sha256: sha256.digest("hex") };
  const versionId = completed.VersionId ?? null;
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
  return { bucket: input.bucket, key: input.key, versionId, size, ...hashes, partsSent, partsResumed };
}

/** The file as parts of exactly `partBytes` (the last one shorter), read as a stream. */
async function* partsOf(file: string, partBytes: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let rest = chunk;
    while (pendingBytes + rest.length >= partBytes) {
      const take = partBytes - pendingBytes;
      pending.push(rest.subarray(0, take));
      yield Buffer.concat(pending);
      rest = rest.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (rest.length > 0) {
      pending.push(rest);
      pendingBytes += rest.length;
    }
  }
  if (pendingBytes > 0 || !pending.length) yield Buffer.concat(pending);
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
