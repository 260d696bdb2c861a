// The seed's "jobs" request, checked and turned into the state machine's input before anything is created:
// names and the final query against AWS's limits, the objects it names, and what already exists under this
// job name. An earlier run of the same request is recognised (its update value is kept, so its dynamic group
// and fast-tracked devices stay valid); the same job name with another query or list is refused by name.
import { DescribeThingGroupCommand, type IoTClient } from "@aws-sdk/client-iot";
import type { S3Client } from "@aws-sdk/client-s3";
import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { ConflictError, ValidationError } from "@fleet/shared-aws";
import {
  JOB_DOCUMENT_MAX_BYTES,
  type JobSettings,
  type StartTargetedJobEvent,
  type TargetedJobPlan,
} from "../schemas";
import { unlessNotFound } from "./aws-errors";
import { excludeGroupDescription } from "./exclude-list";
import { describeJob, jobConflict } from "./job";
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

  const list = event.excludeListFileName
    ? {
        key: event.excludeListFileName,
        ...(await headObject(deps.s3, { bucket: deps.bucket, key: event.excludeListFileName })),
      }
    : undefined;
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
    const conflict = group
      ? jobConflict(existingJob, group.thingGroupArn as string)
      : `job ${jobName} already exists but its target group ${jobName} does not; run teardown for ${jobName} first`;
    if (conflict) throw new ConflictError(conflict);
  }

  const plan: TargetedJobPlan = {
    jobName,
    fleetIndexQuery,
    excludeListFileName: event.excludeListFileName ?? null,
    excludeGroupName,
    updateKey: deps.updateKey,
    updateValue,
    targetQuery,
    job,
  };
  return { plan, existing: { targetGroup: !!group, excludeGroup: !!excludeGroup, job: !!existingJob } };
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
  /** What an earlier run of this job already created; the execution carries on from there. */
  existing: Existing;
  /** The execution's input. */
  plan: TargetedJobPlan;
}

export async function startTargetedJob(deps: StartDeps, event: StartTargetedJobEvent): Promise<StartResult> {
  const { plan, existing } = await planTargetedJob(deps, event);
  // Execution names are unique for 90 days; a re-run needs a new one. jobName ≤ 64 + 14 stays under 80.
  const executionName = `${plan.jobName}-${deps.now()}`;
  const started = await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArn,
      name: executionName,
      input: JSON.stringify(plan),
    }),
  );
  return { executionArn: started.executionArn as string, executionName, existing, plan };
}
