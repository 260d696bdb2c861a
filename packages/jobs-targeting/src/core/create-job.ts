// The CONTINUOUS job on the dynamic group. The emulator overwrites a job on a second CreateJob and AWS refuses
// it, so the job is described first: an existing job on the same group with the same settings is a re-run
// (carry on); one that is finished, aimed elsewhere or set up differently is a conflict named in the error.
import {
  CreateJobCommand,
  type CreateJobCommandInput,
  DescribeJobCommand,
  GetJobDocumentCommand,
  type IoTClient,
  type Job,
} from "@aws-sdk/client-iot";
import { ConflictError, isAlreadyExists, unlessNotFound } from "@fleet/shared-aws";
import { type JobSettings, jobDocumentText } from "../schemas";
import { sameData } from "./json";

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
  const request = createJobRequest(input.jobName, input.targetGroupArn, input.job);
  const existing = await describeJob(iot, input.jobName);
  if (existing) return carryOn(existing, request);
  try {
    const created = await iot.send(new CreateJobCommand(request));
    return {
      jobId: input.jobName,
      jobArn: created.jobArn as string,
      outcome: "created",
    };
  } catch (error) {
    const raced = isAlreadyExists(error) ? await describeJob(iot, input.jobName) : undefined;
    if (raced) return carryOn(raced, request);
    throw error;
  }
}

/** A job as DescribeJob answers: the job, and the S3 URL of its document when it was created from one. */
export type DescribedJob = Job & { documentSource?: string | undefined };

export async function describeJob(iot: IoTClient, jobId: string): Promise<DescribedJob | undefined> {
  const answer = await unlessNotFound(() => iot.send(new DescribeJobCommand({ jobId })));
  if (!answer?.job) return undefined;
  return answer.documentSource === undefined
    ? answer.job
    : { ...answer.job, documentSource: answer.documentSource };
}

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

/**
 * The settings in which an existing job differs from the job `request` would create, by the request's field
 * names: description, document / documentSource, rollout, abortCriteria, inProgressTimeoutMinutes,
 * retryCriteria. DescribeJob does not return an inline document: pass GetJobDocument's answer to compare it.
 */
export function jobSettingsDifferences(
  job: DescribedJob,
  request: CreateJobCommandInput,
  documentText?: string | undefined,
): string[] {
  const differences: string[] = [];
  const compare = (field: string, found: unknown, wanted: unknown) => {
    if (!sameData(found, wanted)) differences.push(field);
  };
  compare("description", job.description, request.description);
  if (request.documentSource !== undefined || job.documentSource !== undefined) {
    compare("documentSource", job.documentSource, request.documentSource);
  } else if (documentText !== undefined) {
    compare("document", parsedDocument(documentText), parsedDocument(request.document));
  }
  compare("rollout", job.jobExecutionsRolloutConfig, request.jobExecutionsRolloutConfig);
  compare("abortCriteria", job.abortConfig?.criteriaList, request.abortConfig?.criteriaList);
  compare(
    "inProgressTimeoutMinutes",
    job.timeoutConfig?.inProgressTimeoutInMinutes,
    request.timeoutConfig?.inProgressTimeoutInMinutes,
  );
  compare(
    "retryCriteria",
    job.jobExecutionsRetryConfig?.criteriaList,
    request.jobExecutionsRetryConfig?.criteriaList,
  );
  return differences;
}

/** The existing job's inline document, when it has one (a job from an S3 document has documentSource instead). */
export async function jobDocumentOf(iot: IoTClient, job: DescribedJob): Promise<string | undefined> {
  if (job.documentSource) return undefined;
  const answer = await unlessNotFound(() => iot.send(new GetJobDocumentCommand({ jobId: job.jobId })));
  return answer?.document;
}

/** A ConflictError message naming the settings an existing job has otherwise, or undefined. */
export function settingsConflict(jobId: string, differences: string[]): string | undefined {
  if (differences.length === 0) return undefined;
  return `job ${jobId} already exists with other settings (${differences.join(", ")} differ from this request); use another jobName, or run teardown for ${jobId} first`;
}

function parsedDocument(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function carryOn(job: DescribedJob, request: CreateJobCommandInput): CreateJobResult {
  const conflict =
    jobConflict(job, request.targets?.[0] as string) ??
    // DescribeJob only: an inline document was compared when the execution was planned.
    settingsConflict(job.jobId as string, jobSettingsDifferences(job, request));
  if (conflict) throw new ConflictError(conflict);
  return {
    jobId: job.jobId as string,
    jobArn: job.jobArn as string,
    outcome: "existed",
  };
}
