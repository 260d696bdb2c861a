// A deployment's clean-up, safe to repeat and safe on a half-created deployment: it removes only what carries
// the deployment's owner id — the round's alarms (alone, for a deployment that keeps its jobs), the round's job (cancelled with force, so IN_PROGRESS executions stop too, then
// deleted), the stream, and at the end the target group and the target list plan wrote. Whatever is gone is
// reported as absent, whatever another deployment created as kept.
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DeleteStreamCommand, DescribeStreamCommand, type IoTClient } from "@aws-sdk/client-iot";
import { DeleteObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  isNotFound,
  type RemovalOutcome,
  removeJob,
  removeStaticGroup,
  unlessNotFound,
} from "@fleet/shared-aws";
import { ownedBy } from "./names";
import { deleteRoundAlarms } from "./round-alarms";

export interface CleanUpInput {
  owner: string;
  jobId?: string | undefined;
  /** A round whose alarms alone are deleted, its job kept (a deployment with cleanUp: false). */
  alarmsOf?: string | undefined;
  streamId?: string | undefined;
  targetGroup?: string | null | undefined;
  targetList?: string | null | undefined;
}

export interface CleanUpResult {
  /** The round's alarms this clean-up deleted (none left: empty). */
  alarms?: string[];
  job?: RemovalOutcome;
  /** True when this clean-up cancelled the job (it was still running). */
  cancelled?: boolean;
  stream?: RemovalOutcome;
  targetGroup?: RemovalOutcome;
  targetList?: "deleted";
}

export interface CleanUpDeps {
  iot: IoTClient;
  s3: S3Client;
  bucket: string;
  /** The round alarms' CloudWatch and the stack's alarm name prefix. */
  alarms: { cloudWatch: CloudWatchClient; prefix: string };
}

export async function cleanUp(deps: CleanUpDeps, input: CleanUpInput): Promise<CleanUpResult> {
  const { owner } = input;
  const result: CleanUpResult = {};
  // The alarms first: a force stop racing the clean-up's own cancel would only report a cancelled job.
  const alarmsOf = input.jobId ?? input.alarmsOf;
  if (alarmsOf) {
    result.alarms = await deleteRoundAlarms(deps.alarms.cloudWatch, {
      prefix: deps.alarms.prefix,
      jobId: alarmsOf,
      owner,
    });
  }
  if (input.jobId) {
    const removed = await removeJob(deps.iot, input.jobId, {
      comment: "ota-deploy clean-up",
      owned: (job) => ownedBy(job.description, owner),
    });
    result.job = removed.outcome;
    result.cancelled = removed.cancelled;
  }
  if (input.streamId) result.stream = await removeStream(deps.iot, input.streamId, owner);
  // The target group and list are named with the owner id (names.ts): another deployment's never match.
  if (input.targetGroup) {
    result.targetGroup = input.targetGroup.endsWith(owner)
      ? await removeStaticGroup(deps.iot, input.targetGroup)
      : "kept";
  }
  if (input.targetList?.includes(`/${owner}/`)) {
    await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: input.targetList }));
    result.targetList = "deleted";
  }
  return result;
}

async function removeStream(iot: IoTClient, streamId: string, owner: string): Promise<RemovalOutcome> {
  const found = await unlessNotFound(() => iot.send(new DescribeStreamCommand({ streamId })));
  if (!found?.streamInfo) return "absent";
  if (!ownedBy(found.streamInfo.description, owner)) return "kept";
  try {
    await iot.send(new DeleteStreamCommand({ streamId }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return "absent";
  }
  return "deleted";
}
