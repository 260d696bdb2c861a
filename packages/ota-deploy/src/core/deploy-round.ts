// One round: the stream, then the job `<jobId>-r<round>` with every setting of the config, both marked with the
// deployment's owner id. A re-run of the same deployment finds both (the job described first: AWS refuses a
// second CreateJob of an id, the emulator would overwrite it) and carries on; a job of that id that another
// deployment created, that is finished, or that targets others, is a conflict, and nothing of it is touched.
// The round's deadline counts from the job's creation, so a retried step does not extend it. The config's
// alarms are created for every round once its job exists; their topics are resolved before anything is created.

import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import {
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import { ConflictError, isAlreadyExists, NotFoundError, unlessNotFound } from "@fleet/shared-aws";
import { roundJobId } from "./deployment-config";
import { ownedBy, ownerMark } from "./names";
import type { DeploymentPlan } from "./plan";
import { alarmActions, putRoundAlarms, type StackTopics } from "./round-alarms";
import { createStreamRequest, ensureStream } from "./stream";

export interface RoundStart {
  round: number;
  jobId: string;
  jobArn: string;
  stream: "created" | "existed";
  job: "created" | "existed";
  /** Epoch ms after which the round fails, naming the devices still pending. */
  deadlineAt: number;
  /** The round's alarms (their CloudWatch names). */
  alarms: string[];
}

/** Where the round's alarms go: the stack's alarm name prefix and topics. */
export interface RoundAlarmDeps {
  cloudWatch: CloudWatchClient;
  prefix: string;
  topics: StackTopics;
}

export function createJobRequest(
  plan: DeploymentPlan,
  round: number,
  targets: string[],
): CreateJobCommandInput {
  const { config } = plan;
  return {
    jobId: roundJobId(config.jobId, round),
    targets,
    document: plan.document,
    description: `Firmware ${plan.release.version}, round ${round} of ${config.rounds} ${ownerMark(plan.owner)}`,
    targetSelection: config.targetSelection,
    ...(config.presignedUrl ? { presignedUrlConfig: config.presignedUrl } : {}),
    ...(config.rollout ? { jobExecutionsRolloutConfig: config.rollout } : {}),
    ...(config.abort ? { abortConfig: config.abort } : {}),
    ...(config.timeout ? { timeoutConfig: config.timeout } : {}),
    ...(config.retry ? { jobExecutionsRetryConfig: config.retry } : {}),
  };
}

export async function deployRound(
  iot: IoTClient,
  input: { plan: DeploymentPlan; round: number },
  alarmDeps: RoundAlarmDeps,
): Promise<RoundStart> {
  const { plan, round } = input;
  const alarms = plan.config.alarms ?? [];
  // A topic this stack lacks is refused before anything is created.
  alarmActions(alarms, alarmDeps.topics);
  const stream = await ensureStream(
    iot,
    createStreamRequest(plan.streamId, plan.fileId, plan.release, plan.roleArn, plan.owner),
    plan.owner,
  );
  const request = createJobRequest(plan, round, await targetArns(iot, plan));
  const jobId = request.jobId as string;
  let outcome: "created" | "existed" = "existed";
  let job = await describe(iot, jobId);
  if (!job) {
    try {
      await iot.send(new CreateJobCommand(request));
      outcome = "created";
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    job = await describe(iot, jobId);
  }
  if (!job) throw new NotFoundError(`job ${jobId} was created but cannot be described`);
  if (!ownedBy(job.description, plan.owner)) {
    throw new ConflictError(
      `job ${jobId} exists and belongs to another deployment (${job.description ?? "no description"}); wait for it to end or choose another jobId`,
    );
  }
  // This deployment's own job, found again by a re-run: it may have finished meanwhile (round-status reads its
  // verdict), but one being deleted was cleaned up and cannot carry the round.
  if (job.status === "DELETION_IN_PROGRESS") {
    throw new ConflictError(
      `job ${jobId} of this deployment is being deleted; wait for the deletion to end and deploy again`,
    );
  }
  if (outcome === "existed" && JSON.stringify(job.targets) !== JSON.stringify(request.targets)) {
    throw new ConflictError(
      `job ${jobId} already exists with other targets; clean up the deployment or choose another jobId`,
    );
  }
  const createdAt = job.createdAt ? new Date(job.createdAt).getTime() : Date.now();
  const alarmNames = await putRoundAlarms(alarmDeps.cloudWatch, {
    prefix: alarmDeps.prefix,
    jobId,
    owner: plan.owner,
    alarms,
    topics: alarmDeps.topics,
  });
  return {
    round,
    jobId,
    jobArn: job.jobArn as string,
    stream,
    job: outcome,
    deadlineAt: createdAt + plan.config.roundDeadlineMinutes * 60_000,
    alarms: alarmNames,
  };
}

async function describe(iot: IoTClient, jobId: string) {
  return (await unlessNotFound(() => iot.send(new DescribeJobCommand({ jobId }))))?.job;
}

async function targetArns(iot: IoTClient, plan: DeploymentPlan): Promise<string[]> {
  if (plan.targets.kind === "things") return plan.targets.arns;
  const { groupName } = plan.targets;
  const group = await unlessNotFound(() =>
    iot.send(new DescribeThingGroupCommand({ thingGroupName: groupName })),
  );
  if (!group?.thingGroupArn) throw new NotFoundError(`target group ${groupName} does not exist`);
  return [group.thingGroupArn];
}
