// The seed's "jobs" request, checked and turned into the state machine's input before anything is created:
// names and the final query against AWS's limits, the objects it names (an exclude list must hold thing names
// and nothing else), and what already exists under this job name. An earlier run of the same request is
// recognised (its update value is kept, so its dynamic group and fast-tracked devices stay valid); the same job
// name with another query or list is refused by name. The execution is claimed by its name, so two starts of
// the same job at the same instant start one.
import { DescribeThingGroupCommand, type IoTClient } from "@aws-sdk/client-iot";
import type { S3Client } from "@aws-sdk/client-s3";
import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { ConflictError, errorName, unlessNotFound, ValidationError } from "@fleet/shared-aws";
import {
  JOB_DOCUMENT_MAX_BYTES,
  type JobSettings,
  type StartTargetedJobEvent,
  type TargetedJobPlan,
} from "../schemas";
import {
  createJobRequest,
  describeJob,
  jobConflict,
  jobDocumentOf,
  jobSettingsDifferences,
  settingsConflict,
} from "./create-job";
import { checkExcludeList, excludeGroupDescription } from "./exclude-list";
import {
  describeExecution,
  executionArnFor,
  executionNameFor,
  executionsOf,
  nextGeneration,
} from "./executions";
import { sameData } from "./json";
import { excludeGroupNameFor } from "./names";
import { buildTargetQuery, checkedTargetQuery, updateValueOf } from "./query";
import { headObject, objectUrl } from "./s3-objects";

export interface PlanDeps {
  iot: IoTClient;
  s3: S3Client;
  bucket: string;
  updateKey: string;
  now: () => number;
}

export interface Existing {
  targetGroup: boolean;
  excludeGroup: boolean;
  job: boolean;
}

export async function planTargetedJob(
  deps: PlanDeps,
  event: StartTargetedJobEvent,
): Promise<{ plan: TargetedJobPlan; existing: Existing }> {
  const { jobName, fleetIndexQuery } = event;
  const excludeGroupName = event.excludeListFileName ? excludeGroupNameFor(jobName) : null;
  const parts = { fleetIndexQuery, updateKey: deps.updateKey, excludeGroupName };
  let updateValue = deps.now();
  let targetQuery = checkedTargetQuery({ ...parts, updateValue });

  const list = event.excludeListFileName ? await checkedList(deps, event.excludeListFileName) : undefined;
  const job = await jobSettings(deps, event);

  const group = await describeGroup(deps.iot, jobName);
  if (group) {
    const previous =
      group.queryString === undefined ? undefined : updateValueOf(group.queryString, deps.updateKey);
    const expected =
      previous === undefined ? undefined : buildTargetQuery({ ...parts, updateValue: previous });
    if (group.queryString === undefined || expected !== group.queryString) {
      const found =
        group.queryString === undefined ? "a static group" : `query ${JSON.stringify(group.queryString)}`;
      throw new ConflictError(
        `thing group ${jobName} already exists with ${found}; this request's query is ${JSON.stringify(buildTargetQuery({ ...parts, updateValue }))}. Use another jobName, or run teardown for ${jobName} first`,
      );
    }
    updateValue = previous as number;
    targetQuery = expected;
  }

  const excludeGroup = await describeGroup(deps.iot, excludeGroupNameFor(jobName));
  if (excludeGroup) {
    const found = excludeGroup.thingGroupProperties?.thingGroupDescription ?? "no recorded list";
    if (!list) {
      throw new ConflictError(
        `exclude group ${excludeGroupNameFor(jobName)} exists (${found}) but this request has no excludeListFileName; pass the same list or run teardown for ${jobName} first`,
      );
    }
    const wanted = excludeGroupDescription(list.key, list.etag);
    if (found !== wanted) {
      throw new ConflictError(
        `exclude group ${excludeGroupNameFor(jobName)} was filled from another list (${found}); this request uses ${wanted}`,
      );
    }
  }

  const existingJob = await describeJob(deps.iot, jobName);
  if (existingJob) {
    const targetGroupArn = group?.thingGroupArn as string;
    const conflict = group
      ? jobConflict(existingJob, targetGroupArn)
      : `job ${jobName} already exists but its target group ${jobName} does not; run teardown for ${jobName} first`;
    if (conflict) throw new ConflictError(conflict);
    // The same name with another rollout, abort, timeout, retry configuration or document is another job.
    const request = createJobRequest(jobName, targetGroupArn, job);
    const document = request.document === undefined ? undefined : await jobDocumentOf(deps.iot, existingJob);
    const differences = jobSettingsDifferences(existingJob, request, document);
    const settings = settingsConflict(jobName, differences);
    if (settings) throw new ConflictError(settings);
  }

  const plan: TargetedJobPlan = {
    jobName,
    fleetIndexQuery,
    excludeListFileName: event.excludeListFileName ?? null,
    excludeListVersion: list ? { etag: list.etag, versionId: list.versionId } : null,
    excludeGroupName,
    updateKey: deps.updateKey,
    updateValue,
    targetQuery,
    job,
  };
  return { plan, existing: { targetGroup: !!group, excludeGroup: !!excludeGroup, job: !!existingJob } };
}

/**
 * The exclude list's key and version, once it is known to hold thing names and nothing else (read whole, at the
 * version its HEAD named): a line that is not a thing name may be a device meant to be protected.
 */
async function checkedList(deps: PlanDeps, key: string) {
  const location = { bucket: deps.bucket, key };
  const head = await headObject(deps.s3, location);
  await checkExcludeList(deps.s3, location, head);
  return { key, ...head };
}

/** The job settings create-job receives: the document inline, or the URL of a checked object in the bucket. */
async function jobSettings(deps: PlanDeps, event: StartTargetedJobEvent): Promise<JobSettings> {
  const { jobName, fleetIndexQuery, excludeListFileName, documentFileName, ...settings } = event;
  if (!documentFileName) {
    return { ...settings, document: settings.document ?? { operation: "update", jobName } };
  }
  const object = { bucket: deps.bucket, key: documentFileName };
  const { size } = await headObject(deps.s3, object);
  if (size > JOB_DOCUMENT_MAX_BYTES) {
    throw new ValidationError([
      `documentFileName: s3://${object.bucket}/${object.key} is ${size} bytes; a job document may have at most ${JOB_DOCUMENT_MAX_BYTES}`,
    ]);
  }
  return { ...settings, documentSource: await objectUrl(deps.s3, object) };
}

const describeGroup = (iot: IoTClient, thingGroupName: string) =>
  unlessNotFound(() => iot.send(new DescribeThingGroupCommand({ thingGroupName })));

export interface StartDeps extends PlanDeps {
  sfn: SFNClient;
  stateMachineArn: string;
}

export interface StartResult {
  executionArn: string;
  executionName: string;
  /** An execution of this very request was already running: it is returned, and no other was started. */
  alreadyRunning: boolean;
  /** What an earlier run of this job already created; the execution carries on from there. */
  existing: Existing;
  /** The execution's input. */
  plan: TargetedJobPlan;
}

/**
 * Plans the request and starts the state machine on it, unless an execution of this job is running already:
 * one with the same request is returned (`alreadyRunning`), one with another request is a ConflictError naming
 * it. The new execution is claimed by its name (see executions.ts): a start that loses the claim to another
 * start of the same request at the same instant returns that one's execution.
 */
export async function startTargetedJob(deps: StartDeps, event: StartTargetedJobEvent): Promise<StartResult> {
  const { plan, existing } = await planTargetedJob(deps, event);
  const executions = await executionsOf(deps.sfn, deps.stateMachineArn, plan.jobName);
  let same: Running | undefined;
  for (const execution of executions.filter((e) => e.status === "RUNNING")) {
    const executionArn = execution.executionArn as string;
    const { input } = await describeExecution(deps.sfn, executionArn);
    same ??= sameRequest({ executionArn, executionName: execution.name as string, input }, plan);
  }
  if (same) return { ...same, alreadyRunning: true, existing };
  return claimExecution(deps, plan, existing, nextGeneration(executions, plan.jobName));
}

/** Names a claim tries: taken ones belong to executions that ended before ListExecutions showed them. */
const CLAIM_ATTEMPTS = 3;

interface Running {
  executionArn: string;
  executionName: string;
  plan: TargetedJobPlan;
}

/** Starts the execution named for `generation` (or the next ones, if those are taken by ended executions). */
async function claimExecution(
  deps: StartDeps,
  plan: TargetedJobPlan,
  existing: Existing,
  generation: number,
): Promise<StartResult> {
  for (let n = generation; n < generation + CLAIM_ATTEMPTS; n++) {
    const executionName = executionNameFor(plan.jobName, n);
    try {
      const started = await deps.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: deps.stateMachineArn,
          name: executionName,
          input: JSON.stringify(plan),
        }),
      );
      return {
        executionArn: started.executionArn as string,
        executionName,
        alreadyRunning: false,
        existing,
        plan,
      };
    } catch (error) {
      if (errorName(error) !== "ExecutionAlreadyExists") throw error;
    }
    const executionArn = executionArnFor(deps.stateMachineArn, executionName);
    const other = await describeExecution(deps.sfn, executionArn);
    if (other.status === "RUNNING") {
      const running = sameRequest({ executionArn, executionName, input: other.input }, plan);
      return { ...running, alreadyRunning: true, existing };
    }
  }
  throw new ConflictError(
    `executions ${executionNameFor(plan.jobName, generation)} to ${executionNameFor(plan.jobName, generation + CLAIM_ATTEMPTS - 1)} of job ${plan.jobName} exist and have ended, though ListExecutions did not list them yet; start again`,
  );
}

/** The running execution, if its input is this plan (the update value aside); else a ConflictError naming it. */
function sameRequest(
  execution: { executionArn: string; executionName: string; input: unknown },
  plan: TargetedJobPlan,
): Running {
  const differences = planDifferences(execution.input, plan);
  if (differences.length > 0) {
    throw new ConflictError(
      `execution ${execution.executionArn} of job ${plan.jobName} is running with another request (${differences.join(", ")} differ); wait for it to end, or run teardown for ${plan.jobName} (it stops the execution) first`,
    );
  }
  const { executionArn, executionName } = execution;
  return { executionArn, executionName, plan: execution.input as TargetedJobPlan };
}

/**
 * The fields in which a running execution's input differs from this plan. The update value (and the target
 * query built with it) is left out: a run whose dynamic group does not exist yet picks a new one each time.
 */
export function planDifferences(running: unknown, plan: TargetedJobPlan): string[] {
  if (typeof running !== "object" || running === null) return ["input"];
  const other = running as Record<string, unknown>;
  const differences: string[] = [];
  for (const [field, value] of Object.entries(plan)) {
    if (field === "updateValue" || field === "targetQuery") continue;
    if (field === "job" && typeof other.job === "object" && other.job !== null) {
      const otherJob = other.job as Record<string, unknown>;
      const fields = new Set([...Object.keys(plan.job), ...Object.keys(otherJob)]);
      for (const jobField of [...fields].sort()) {
        const mine = (plan.job as Record<string, unknown>)[jobField];
        if (!sameData(mine, otherJob[jobField])) differences.push(`job.${jobField}`);
      }
    } else if (!sameData(value, other[field])) {
      differences.push(field);
    }
  }
  return differences;
}
