// Reads back what the local delivery wrote: every object under a prefix, decompressed, by key.
import { gunzipSync } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

export async function gunzippedObjects(
  s3: S3Client,
  bucket: string,
  prefix = "",
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const { Key } of page.Contents ?? []) {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const bytes = await (Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
      found.set(Key as string, gunzipSync(bytes).toString("utf8"));
    }
    token = page.NextContinuationToken;
  } while (token);
  return found;
}

/** Non-empty lines of object bodies. */
export const linesOf = (bodies: Iterable<string>): string[] =>
  [...bodies].flatMap((body) => body.split("\n").filter((line) => line !== ""));
