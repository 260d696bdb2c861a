// The OTA job document: the fields a device's OTA agent reads (the seed's `fota` command, stream and file id,
// size, image version, and either the MD5 or the signature), merged on top of a custom document given inline,
// as an object in S3, or at an https URL whose host is on the stack's allow-list. Presigned-URL placeholders
// (`${aws:iot:s3-presigned-url:https://s3.<region>.amazonaws.com/<bucket>/<key>}`) are left for IoT to fill
// and need the deployment's presignedUrl config (role and expiry).
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { unlessNotFound, ValidationError } from "@fleet/shared-aws";
import type { DocumentSource } from "./deployment-config";
import type { ReleaseRecord } from "./release-record";

export const JOB_DOCUMENT_MAX_BYTES = 32 * 1024;
const PLACEHOLDER = /\$\{aws:iot:s3-presigned-url:([^}]*)\}/g;
const PLACEHOLDER_URL = /^https:\/\/s3(\.[a-z0-9-]+)?\.amazonaws\.com\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+$/;

/** The fields the deployment writes; a custom document's fields of the same names are replaced. */
export function otaFields(release: ReleaseRecord, streamId: string, fileId: number): Record<string, unknown> {
  return {
    command: "fota",
    streamId,
    fileId,
    fileSize: release.size,
    imageVer: release.version,
    ...(release.signature
      ? {
          signature: release.signature.value,
          signatureAlgorithm: release.signature.algorithm,
          // FreeRTOS OTA agents read the signature under the algorithm's own key.
          [release.signature.algorithm]: release.signature.value,
        }
      : { md5sum: release.md5 }),
  };
}

export interface DocumentDeps {
  s3: S3Client;
  /** The firmware bucket: an `s3` source without a bucket names a key in it. */
  bucket: string;
  /** Hosts an https document may come from. */
  allowedHosts: string[];
  fetch?: typeof fetch;
}

/** The custom document, read and checked to be a JSON object. */
export async function loadCustomDocument(
  deps: DocumentDeps,
  source: DocumentSource | undefined,
): Promise<Record<string, unknown>> {
  if (!source) return {};
  if ("inline" in source) return source.inline;
  if ("s3" in source) {
    const bucket = source.s3.bucket ?? deps.bucket;
    const object = await unlessNotFound(() =>
      deps.s3.send(new GetObjectCommand({ Bucket: bucket, Key: source.s3.key })),
    );
    if (!object?.Body)
      throw new ValidationError(
        [`document.s3: s3://${bucket}/${source.s3.key} does not exist`],
        "deployment config",
      );
    return asObject(await object.Body.transformToString(), `document.s3 (s3://${bucket}/${source.s3.key})`);
  }
  const host = new URL(source.url).hostname;
  if (!deps.allowedHosts.includes(host)) {
    throw new ValidationError([
      `document.url: host ${host} is not on this stack's allow-list (DOCUMENT_URL_HOSTS: ${deps.allowedHosts.join(", ") || "empty"})`,
    ]);
  }
  const response = await (deps.fetch ?? fetch)(source.url, {
    redirect: "error",
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok)
    throw new ValidationError(
      [`document.url: ${source.url} answered HTTP ${response.status}`],
      "deployment config",
    );
  return asObject(await response.text(), `document.url (${source.url})`);
}

function asObject(text: string, field: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationError([`${field}: is not valid JSON`], "deployment config");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ValidationError([`${field}: must be a JSON object`], "deployment config");
  }
  return parsed as Record<string, unknown>;
}

/**
 * The job document text: OTA fields over the custom ones; placeholders checked; at most 32 KB. With
 * `firmwareBucket` (a stack whose OTA role reads only `<firmware bucket>/firmware/*`), a placeholder must point
 * there: IoT presigns any URL, and devices would get a 403 for any other object.
 */
export function mergeDocument(
  custom: Record<string, unknown>,
  ota: Record<string, unknown>,
  presignedUrl: { roleArn?: string | undefined; expiresInSec: number } | undefined,
  firmwareBucket?: string,
): string {
  const text = JSON.stringify({ ...custom, ...ota });
  const problems: string[] = [];
  const placeholders = [...text.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
  if (placeholders.length > 0 && !presignedUrl) {
    problems.push(
      "presignedUrl: the document has presigned-URL placeholders; give presignedUrl (expiresInSec; roleArn defaults to the stream role)",
    );
  }
  for (const url of placeholders) {
    if (!PLACEHOLDER_URL.test(url)) {
      problems.push(
        `document: placeholder URL ${url} must be https://s3.<region>.amazonaws.com/<bucket>/<key>`,
      );
    } else if (
      firmwareBucket &&
      new URL(url).pathname.split("/").slice(1, 3).join("/") !== `${firmwareBucket}/firmware`
    ) {
      problems.push(
        `document: placeholder URL ${url} must name an object under s3://${firmwareBucket}/firmware/, the only objects this stack's OTA role can read`,
      );
    }
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > JOB_DOCUMENT_MAX_BYTES) {
    problems.push(
      `document: the merged job document is ${bytes} bytes; the limit is ${JOB_DOCUMENT_MAX_BYTES}`,
    );
  }
  if (problems.length > 0) throw new ValidationError(problems, "deployment config");
  return text;
}
