// The CONTINUOUS job on the dynamic group. The emulator overwrites a job on a second CreateJob and AWS refuses
// it, so the job is described first: an existing job on the same group is a re-run (carry on); one that is
// finished or aimed elsewhere is a conflict named in the error.
import {
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  type IoTClient,
  type Job,
} from "@aws-sdk/client-iot";
import { ConflictError } from "@fleet/shared-aws";
import { type JobSettings, jobDocumentText } from "../schemas";
import { isAlreadyExists, unlessNotFound } from "./aws-errors";

/** Job states a re-run cannot carry on with: the job is over or going away. */
const FINISHED_STATUSES = new Set(["CANCELED", "COMPLETED", "DELETION_IN_PROGRESS"]);

export function createJobRequest(
  jobName: string,
  targetGroupArn: string,
  settings: JobSettings,
): CreateJobCommandInput {
  return {
    jobId: jobName,
    targets: [targetGroupArn],
    targetSelection: "CONTINUOUS",
    ...(settings.document === undefined
      ? { documentSource: settings.documentSource }
      : { document: jobDocumentText(settings.document) }),
    description: settings.description ?? `Targeted job ${jobName} (jobs-targeting)`,
    jobExecutionsRolloutConfig: settings.rollout,
    ...(settings.abortCriteria ? { abortConfig: { criteriaList: settings.abortCriteria } } : {}),
    ...(settings.inProgressTimeoutMinutes
      ? { timeoutConfig: { inProgressTimeoutInMinutes: settings.inProgressTimeoutMinutes } }
      : {}),
    ...(settings.retryCriteria ? { jobExecutionsRetryConfig: { criteriaList: settings.retryCriteria } } : {}),
  };
}

export interface CreateJobResult {
  jobId: string;
  jobArn: string;
  outcome: "created" | "existed";
}

export async function createJob(
  iot: IoTClient,
  input: { jobName: string; targetGroupArn: string; job: JobSettings },
): Promise<CreateJobResult> {
  const existing = await describeJob(iot, input.jobName);
  if (existing) return carryOn(existing, input.targetGroupArn);
  try {
    const created = await iot.send(
      new CreateJobCommand(createJobRequest(input.jobName, input.targetGroupArn, input.job)),
    );
    return {
      jobId: input.jobName,
      jobArn: created.jobArn as string,
      outcome: "created",
    };
  } catch (error) {
    const raced = isAlreadyExists(error) ? await describeJob(iot, input.jobName) : undefined;
    if (raced) return carryOn(raced, input.targetGroupArn);
    throw error;
  }
}

export const describeJob = async (iot: IoTClient, jobId: string): Promise<Job | undefined> =>
  (await unlessNotFound(() => iot.send(new DescribeJobCommand({ jobId }))))?.job;

/** Why an existing job cannot be carried on with for this target group, or undefined when it can. */
export function jobConflict(job: Job, targetGroupArn: string): string | undefined {
  const status = job.status ?? "UNKNOWN";
  if (FINISHED_STATUSES.has(status)) {
    return `job ${job.jobId} already exists with status ${status}; run teardown for it or choose another jobName`;
  }
  const targets = job.targets ?? [];
  if (!targets.includes(targetGroupArn)) {
    return `job ${job.jobId} already exists targeting ${targets.join(", ") || "nothing"}, not ${targetGroupArn}`;
  }
  return undefined;
}

function carryOn(job: Job, targetGroupArn: string): CreateJobResult {
  const conflict = jobConflict(job, targetGroupArn);
  if (conflict) throw new ConflictError(conflict);
  return {
    jobId: job.jobId as string,
    jobArn: job.jobArn as string,
    outcome: "existed",
  };
}
