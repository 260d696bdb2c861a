// Shared by the integration tests: handler configuration for the emulator, the real handlers invoked with a
// local Lambda context, a versioned firmware bucket, and firmware files on disk.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, SQSClient } from "@aws-sdk/client-sqs";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { awsClient } from "@fleet/shared-aws";
import { handlerInvoker } from "@fleet/shared-aws/testing";
import type { HandlerName } from "../../src/config";
import { JOB_EVENTS_QUEUE, manifest } from "../../src/index";

export const OTA_ROLE = "arn:aws:iam::123456789012:role/ota-stream";

export function configureHandlers(bucket: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    FIRMWARE_BUCKET: bucket,
    OTA_ROLE_ARN: OTA_ROLE,
    ADD_THING_TO_GROUP_RATE: "2000",
    ...extra,
  });
}

const invokeHandler = handlerInvoker(manifest, findRepoRoot(import.meta.dirname));

export const invoke = <R = Record<string, unknown>>(
  name: HandlerName,
  event: unknown,
  timeoutMs = 600_000,
): Promise<R> => invokeHandler<R>(name, event, { timeoutMs });

/** A job-events queue as the local stack creates it (no dead-letter queue: nothing here is received 5 times). */
export async function jobEventsQueue(name: string): Promise<string> {
  const { QueueUrl } = await awsClient(SQSClient).send(
    new CreateQueueCommand({ QueueName: `${name}-${JOB_EVENTS_QUEUE}` }),
  );
  return QueueUrl as string;
}

export async function createFirmwareBucket(bucket: string): Promise<void> {
  const s3 = awsClient(S3Client);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
}

/** A firmware file of random bytes in the temp folder. */
export function firmwareFile(name: string, bytes: number): string {
  const file = join(tmpdir(), `${process.pid}-${name}`);
  writeFileSync(file, randomBytes(bytes));
  return file;
}

/** An asymmetric ECC P-256 signing key, as infra creates it. */
export async function signingKey(): Promise<string> {
  const { KeyMetadata } = await awsClient(KMSClient).send(
    new CreateKeyCommand({
      KeySpec: "ECC_NIST_P256",
      KeyUsage: "SIGN_VERIFY",
      Description: "firmware signing (test)",
    }),
  );
  return KeyMetadata?.KeyId as string;
}
