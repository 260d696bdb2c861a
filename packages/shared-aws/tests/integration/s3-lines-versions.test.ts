// readS3Lines against the emulator: a UTF-16 object (as spreadsheet tools export "Unicode text") read and
// resumed by byte offset, and reads pinned to a version or an ETag in a versioned bucket.
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { awsClient, type Line, readS3Lines, type S3LineSource } from "../../src";

const bucket = `it${Date.now().toString(36)}-versioned`;
const s3 = awsClient(S3Client);

const utf16le = (text: string) => new Uint8Array([0xff, 0xfe, ...Buffer.from(text, "utf16le")]);

async function read(source: S3LineSource): Promise<Line[]> {
  const lines = [];
  for await (const line of readS3Lines(s3, source)) lines.push(line);
  return lines;
}

async function put(key: string, body: Uint8Array | string) {
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return { versionId: put.VersionId as string, etag: (put.ETag as string).replaceAll('"', "") };
}

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
});

describe("readS3Lines against the emulator", () => {
  it("reads a UTF-16 LE object and resumes it by byte offset, the encoding read again from its start", async () => {
    await put("utf16.csv", utf16le("dev-1\r\ndev-2\r\n\r\ndev-3\r\n"));
    const all = await read({ bucket, key: "utf16.csv" });
    expect(all.map((l) => [l.text, l.number])).toEqual([
      ["dev-1", 1],
      ["dev-2", 2],
      ["dev-3", 4],
    ]);
    const rest = await read({ bucket, key: "utf16.csv", from: all[0]?.end });
    expect(rest.map((l) => [l.text, l.end])).toEqual(all.slice(1).map((l) => [l.text, l.end]));
  });

  it("reads the pinned version after the object was replaced, and refuses a changed ETag", async () => {
    const first = await put("list.csv", "old-1\nold-2\n");
    await put("list.csv", "new-1\n");
    const pinned = await read({ bucket, key: "list.csv", versionId: first.versionId, from: 6 });
    expect(pinned.map((l) => l.text)).toEqual(["old-2"]);
    expect((await read({ bucket, key: "list.csv" })).map((l) => l.text)).toEqual(["new-1"]);
    await expect(read({ bucket, key: "list.csv", etag: first.etag })).rejects.toMatchObject({
      name: "PreconditionFailed",
    });
  });
});
