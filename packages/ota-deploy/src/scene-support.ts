// What this package's scenes share: the alarm topics and OTA role infra's component creates and the local stack
// does not, and a firmware release as CI makes one (upload with both hashes, verify and sign by the
// release-firmware state machine), checked as a device would.
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import type { Stage } from "@fleet/manifest";
import { awsClient } from "@fleet/shared-aws";
import type { AlarmTopic } from "./core/alarm-config";
import { firmwareKey } from "./core/names";
import type { ReleaseRecord } from "./core/release-record";
import { uploadFirmware } from "./core/upload";
import { verifyWithPublicKey } from "./core/verify-signature";

/** The variable each alarm topic's ARN reaches the handlers by (infra sets them from its component's topics). */
const TOPIC_VARIABLES: Record<AlarmTopic, string> = {
  "email-notification": "EMAIL_TOPIC_ARN",
  "sms-notification": "SMS_TOPIC_ARN",
  "ota-force-stopper": "FORCE_STOP_TOPIC_ARN",
};

/** A local alarm topic's name, as the local stack names the package's resources. */
export const localTopicName = (topic: AlarmTopic) => `ota-deploy-${topic}-local`;

/**
 * What infra's component gives the handlers and the local stack lacks: the three alarm topics (CreateTopic
 * answers an existing one) and the OTA role. Every scene of the package calls it before its first handler: a
 * handler reads its variables once, at its cold start, and the scenes of one `./run demo` share loaded handlers.
 */
export async function provideComponentResources(): Promise<Record<AlarmTopic, string>> {
  const sns = awsClient(SNSClient);
  const arns = {} as Record<AlarmTopic, string>;
  for (const [topic, variable] of Object.entries(TOPIC_VARIABLES) as [AlarmTopic, string][]) {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: localTopicName(topic) }));
    arns[topic] = TopicArn as string;
    process.env[variable] = TopicArn;
  }
  process.env.OTA_ROLE_ARN ??= "arn:aws:iam::123456789012:role/ota-demo";
  return arns;
}

/**
 * Uploads `sizeKb` of random firmware as `version` (multipart, MD5 and SHA-256 in one pass), then verifies and
 * signs it with the scenes' KMS key through the release-firmware state
 * machine; checks the hashes and that the signature verifies over the firmware, as a device would.
 */
export async function releaseFirmware(
  stage: Stage,
  { version, sizeKb }: { version: string; sizeKb: number },
): Promise<ReleaseRecord> {
  const bucket = stage.env.FIRMWARE_BUCKET as string;
  const kms = awsClient(KMSClient);
  stage.step(`Uploading firmware ${version} (${sizeKb} KiB), multipart, MD5 and SHA-256 in one pass`);
  const file = join(tmpdir(), `ota-demo-${process.pid}-${version}.bin`);
  writeFileSync(file, randomBytes(sizeKb * 1024));
  try {
    const key = firmwareKey(version, "firmware.bin");
    const { result: uploaded } = await stage.measure(
      "upload",
      () => uploadFirmware(awsClient(S3Client), { bucket, key, file }),
      (result) => result.size,
    );
    const bytes = readFileSync(file);
    stage.check(
      "hashes",
      uploaded.sha256 === createHash("sha256").update(bytes).digest("hex"),
      "SHA-256 of the upload equals the file's",
    );

    stage.step("Verifying and signing the release (release-firmware state machine, KMS ECC P-256)");
    const keyId = await signingKey(kms);
    const { release } = (await stage.runStateMachine("release-firmware", {
      request: {
        version,
        key,
        ...(uploaded.versionId ? { versionId: uploaded.versionId } : {}),
        expected: { md5: uploaded.md5, sha256: uploaded.sha256 },
        sign: true,
      },
    })) as { release: ReleaseRecord };
    stage.check(
      "signature",
      await verifyWithPublicKey(kms, keyId, bytes, release.signature?.value ?? ""),
      "verifies against the key's public half over the firmware, as a device would",
    );
    return release;
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * The key releases are signed with: one in the emulator for all the package's scenes (infra creates the stack's),
 * since the release handler reads SIGNING_KEY_ID once, at its cold start.
 */
async function signingKey(kms: KMSClient): Promise<string> {
  if (!process.env.SIGNING_KEY_ID) {
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }),
    );
    process.env.SIGNING_KEY_ID = KeyMetadata?.KeyId as string;
  }
  return process.env.SIGNING_KEY_ID;
}
