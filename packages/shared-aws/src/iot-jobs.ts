// Removing what a tool created in IoT Jobs, idempotently and only when it is the tool's own: a job is cancelled
// (force, so IN_PROGRESS executions stop too) and then deleted; a static thing group is deleted. AWS's answers
// that mean "finished meanwhile" or "try again shortly" are handled here, once, for every domain.
import {
  CancelJobCommand,
  DeleteJobCommand,
  DeleteThingGroupCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  type IoTClient,
  type Job,
} from "@aws-sdk/client-iot";
import { errorName, isNotFound, TransientError, unlessNotFound } from "./errors";

/** What a removal found: removed now, already being deleted, not there, or kept as someone else's. */
export type RemovalOutcome = "deleted" | "deleting" | "absent" | "kept";

export interface RemovedJob {
  outcome: RemovalOutcome;
  /** True when this call cancelled the job (it was still running). */
  cancelled: boolean;
}

export interface RemoveJobOptions {
  /** CancelJob's comment. */
  comment: string;
  /** Only a job this returns true for is touched; any other is reported as kept. */
  owned?: (job: Job) => boolean;
}

/**
 * Cancels (force) and deletes a job. A job that finished between DescribeJob and CancelJob
 * (InvalidStateTransitionException) is deleted as it is. DeleteJob's LimitExceededException (AWS deletes at
 * most 10 jobs at once) becomes a TransientError, for the caller's retry with backoff.
 */
export async function removeJob(
  iot: IoTClient,
  jobId: string,
  options: RemoveJobOptions,
): Promise<RemovedJob> {
  const job = (await unlessNotFound(() => iot.send(new DescribeJobCommand({ jobId }))))?.job;
  if (!job) return { outcome: "absent", cancelled: false };
  if (job.status === "DELETION_IN_PROGRESS") return { outcome: "deleting", cancelled: false };
  if (options.owned && !options.owned(job)) return { outcome: "kept", cancelled: false };
  let cancelled = false;
  if (job.status === "IN_PROGRESS" || job.status === "SCHEDULED") {
    try {
      await iot.send(new CancelJobCommand({ jobId, force: true, comment: options.comment }));
      cancelled = true;
    } catch (error) {
      if (isNotFound(error)) return { outcome: "absent", cancelled: false };
      if (errorName(error) !== "InvalidStateTransitionException") throw error;
    }
  }
  try {
    await iot.send(new DeleteJobCommand({ jobId, force: true }));
  } catch (error) {
    if (isNotFound(error)) return { outcome: "absent", cancelled };
    if (errorName(error) === "LimitExceededException") {
      throw new TransientError(`job ${jobId} cannot be deleted yet: ${(error as Error).message}`, {
        cause: error,
      });
    }
    throw error;
  }
  return { outcome: "deleted", cancelled };
}

/** Deletes a static thing group (its memberships go with it); a dynamic group of that name is kept. */
export async function removeStaticGroup(iot: IoTClient, thingGroupName: string): Promise<RemovalOutcome> {
  const group = await unlessNotFound(() => iot.send(new DescribeThingGroupCommand({ thingGroupName })));
  if (!group) return "absent";
  if (group.queryString !== undefined) return "kept";
  try {
    await iot.send(new DeleteThingGroupCommand({ thingGroupName }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return "absent";
  }
  return "deleted";
}
