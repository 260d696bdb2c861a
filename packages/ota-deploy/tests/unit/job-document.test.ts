// The job document: OTA fields over a custom document given inline, from S3 or from an allow-listed URL;
// presigned-URL placeholders need their config; the 32 KB limit.
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ValidationError } from "@fleet/shared-aws";
import { noSuchKey } from "@fleet/shared-aws/testing";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { loadCustomDocument, mergeDocument, otaFields } from "../../src/core/job-document";
import type { ReleaseRecord } from "../../src/core/release-record";

const s3Mock = mockClient(S3Client);
afterEach(() => {
  s3Mock.reset();
});

const release: ReleaseRecord = {
  version: "2.1.0",
  bucket: "fw",
  key: "firmware/2.1.0/app.bin",
  versionId: "v1",
  size: 382432,
  md5: "afcba86284d600cd21f54dca7c6d8bb6",
  sha256: "a".repeat(64),
  fileId: 7,
  signature: null,
  releasedAt: "2026-11-29T00:00:00.000Z",
};
const signed: ReleaseRecord = {
  ...release,
  signature: { value: "MEUCIQ==", algorithm: "sig-sha256-ecdsa", keyId: "key-1" },
};
const deps = (fetchImpl?: typeof fetch) => ({
  s3: new S3Client({}),
  bucket: "fw",
  allowedHosts: ["docs.example.com"],
  ...(fetchImpl ? { fetch: fetchImpl } : {}),
});
const issues = async (run: () => unknown) => {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues;
  }
  throw new Error("expected a ValidationError");
};

describe("the OTA fields", () => {
  it("carry the MD5 of an unsigned release, as the original's template", () => {
    expect(otaFields(release, "fw-stream", 7)).toEqual({
      command: "fota",
      streamId: "fw-stream",
      fileId: 7,
      fileSize: 382432,
      imageVer: "2.1.0",
      md5sum: "afcba86284d600cd21f54dca7c6d8bb6",
    });
  });

  it("carry the signature of a signed release instead, also under FreeRTOS's sig-sha256-ecdsa key", () => {
    const fields = otaFields(signed, "fw-stream", 7);
    expect(fields).toMatchObject({
      signature: "MEUCIQ==",
      signatureAlgorithm: "sig-sha256-ecdsa",
      "sig-sha256-ecdsa": "MEUCIQ==",
    });
    expect(fields).not.toHaveProperty("md5sum");
  });
});

describe("merging on top of a custom document", () => {
  it("keeps the custom fields and replaces those the deployment writes (the seed's job_temp.json example)", () => {
    const custom = { Info1: "123", Info2: "456", Info3: "789", fileId: 35, command: "other" };
    const text = mergeDocument(custom, otaFields(release, "s", 7), undefined);
    expect(JSON.parse(text)).toEqual({
      Info1: "123",
      Info2: "456",
      Info3: "789",
      ...otaFields(release, "s", 7),
    });
  });

  it("reads the custom document inline, from S3 (the bucket's by default) and from an allow-listed https URL", async () => {
    expect(await loadCustomDocument(deps(), { inline: { a: 1 } })).toEqual({ a: 1 });
    s3Mock.on(GetObjectCommand, { Bucket: "fw", Key: "docs/job.json" }).resolves({
      Body: { transformToString: async () => '{"b":2}' } as never,
    });
    expect(await loadCustomDocument(deps(), { s3: { key: "docs/job.json" } })).toEqual({ b: 2 });
    const fetched: string[] = [];
    const fakeFetch = (async (url: string) => {
      fetched.push(url);
      return new Response('{"c":3}', { status: 200 });
    }) as typeof fetch;
    expect(await loadCustomDocument(deps(fakeFetch), { url: "https://docs.example.com/job.json" })).toEqual({
      c: 3,
    });
    expect(fetched).toEqual(["https://docs.example.com/job.json"]);
  });

  it("refuses a URL off the allow-list without fetching it, a missing S3 object, and a document that is no object", async () => {
    const fakeFetch = (async () => {
      throw new Error("must not be fetched");
    }) as typeof fetch;
    expect(
      await issues(() => loadCustomDocument(deps(fakeFetch), { url: "https://evil.example.net/job.json" })),
    ).toEqual([
      expect.stringContaining("document.url: host evil.example.net is not on this stack's allow-list"),
    ]);
    s3Mock.on(GetObjectCommand).rejects(noSuchKey());
    expect(await issues(() => loadCustomDocument(deps(), { s3: { key: "nope.json" } }))).toEqual([
      expect.stringContaining("does not exist"),
    ]);
    const arrayFetch = (async () => new Response("[1,2]", { status: 200 })) as typeof fetch;
    expect(
      await issues(() => loadCustomDocument(deps(arrayFetch), { url: "https://docs.example.com/a.json" })),
    ).toEqual([expect.stringContaining("must be a JSON object")]);
  });

  it("keeps presigned-URL placeholders for IoT to fill, and needs their role and expiry", async () => {
    const url =
      "${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/fw-bucket/firmware/2.1.0/app.bin}";
    const custom = { files: [{ url }] };
    const text = mergeDocument(custom, otaFields(release, "s", 7), {
      roleArn: "arn:aws:iam::123456789012:role/presign",
      expiresInSec: 300,
    });
    expect(JSON.parse(text).files[0].url).toBe(url);
    expect(await issues(() => mergeDocument(custom, otaFields(release, "s", 7), undefined))).toEqual([
      expect.stringContaining("presignedUrl: the document has presigned-URL placeholders"),
    ]);
    const bad = { files: [{ url: "${aws:iot:s3-presigned-url:http://example.com/x}" }] };
    expect(
      await issues(() =>
        mergeDocument(bad, {}, { roleArn: "arn:aws:iam::123456789012:role/p", expiresInSec: 60 }),
      ),
    ).toEqual([expect.stringContaining("must be https://s3.<region>.amazonaws.com/<bucket>/<key>")]);
  });

  it("on a stack with an OTA role, takes only placeholders under the firmware bucket's firmware/ (all the role reads)", async () => {
    const presign = { roleArn: "arn:aws:iam::123456789012:role/presign", expiresInSec: 300 };
    const at = (path: string) => ({
      files: [{ url: `\${aws:iot:s3-presigned-url:https://s3.us-east-1.amazonaws.com/${path}}` }],
    });
    expect(() =>
      mergeDocument(at("fw-bucket/firmware/2.1.0/app.bin"), {}, presign, "fw-bucket"),
    ).not.toThrow();
    for (const path of ["other-bucket/firmware/app.bin", "fw-bucket/releases/2.1.0.json"]) {
      expect(await issues(() => mergeDocument(at(path), {}, presign, "fw-bucket"))).toEqual([
        expect.stringContaining("must name an object under s3://fw-bucket/firmware/"),
      ]);
    }
  });

  it("refuses a merged document over 32 KB", async () => {
    expect(
      await issues(() => mergeDocument({ pad: "x".repeat(33_000) }, otaFields(release, "s", 7), undefined)),
    ).toEqual([expect.stringMatching(/the merged job document is \d+ bytes; the limit is 32768/)]);
  });
});
