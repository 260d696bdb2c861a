// Serves S3 objects from memory through aws-sdk-client-mock, honouring `Range: bytes=N-` the way S3 does.
import { createHash } from "node:crypto";
import { GetObjectCommand, HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { noSuchKey, s3NotFound } from "@fleet/shared-aws/testing";
import type { AwsClientStub } from "aws-sdk-client-mock";

type S3Mock = AwsClientStub<S3Client>;

/** The ETag S3 gives a single-part object (its MD5), as the fake serves it and the list version names it. */
export const etagOf = (body: Uint8Array) => createHash("md5").update(body).digest("hex");

export function serveObjects(s3: S3Mock, objects: Record<string, Uint8Array>): void {
  const etag = (body: Uint8Array) => `"${etagOf(body)}"`;
  s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
    const body = objects[input.Key];
    if (!body) throw s3NotFound();
    return { ETag: etag(body), ContentLength: body.length };
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string; Range?: string }) => {
    const body = objects[input.Key];
    if (!body) throw noSuchKey();
    const from = input.Range ? Number(/^bytes=(\d+)-$/.exec(input.Range)?.[1]) : 0;
    // Small chunks: line splitting must not depend on where chunks end.
    return { Body: chunks(body.subarray(from), 7), ETag: etag(body) };
  });
}

async function* chunks(body: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
}

export const utf8 = (text: string) => new TextEncoder().encode(text);
export const withBom = (text: string) => new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]);
