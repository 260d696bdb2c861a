// The seed's tear-down steps as one idempotent call: cancel (force) and delete the job, delete its dynamic and
// exclude groups, optionally delete the test things. Every step first looks at what is there, so a repeat (or a
// continuation, which repeats the cheap steps) reports "absent" instead of failing.
import {
  CancelJobCommand,
  DeleteDynamicThingGroupCommand,
  DeleteJobCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import { unlessNotFound } from "./aws-errors";
import { type DeleteCursor, type DeleteDeps, deleteThings } from "./delete-things";
import { describeJob } from "./job";
import { excludeGroupNameFor } from "./names";
import type { StepResult } from "./tally";

export type ResourceOutcome = "deleted" | "deleting" | "absent" | "kept";

export interface TeardownResult {
  done: boolean;
  cursor: DeleteCursor | null;
  job: ResourceOutcome;
  targetGroup: ResourceOutcome;
  excludeGroup: ResourceOutcome;
  /** Why a resource was kept. */
  notes: string[];
  things: Omit<StepResult<DeleteCursor>, "cursor" | "done"> | null;
}

export async function teardown(
  deps: DeleteDeps,
  input: { jobName: string; thingPrefix?: string | undefined; cursor?: DeleteCursor | undefined },
): Promise<TeardownResult> {
  const notes: string[] = [];
  const job = await removeJob(deps.iot, input.jobName);
  const targetGroup = await removeGroup(deps.iot, input.jobName, "dynamic", notes);
  const excludeGroup = await removeGroup(deps.iot, excludeGroupNameFor(input.jobName), "static", notes);
  if (!input.thingPrefix)
    return { done: true, cursor: null, job, targetGroup, excludeGroup, notes, things: null };
  const { done, cursor, ...things } = await deleteThings(deps, {
    prefix: input.thingPrefix,
    cursor: input.cursor,
  });
  return { done, cursor, job, targetGroup, excludeGroup, notes, things };
}

async function removeJob(iot: IoTClient, jobId: string): Promise<ResourceOutcome> {
  const job = await describeJob(iot, jobId);
  if (!job) return "absent";
  if (job.status === "DELETION_IN_PROGRESS") return "deleting";
  // Force: executions already IN_PROGRESS are cancelled too, not only QUEUED ones.
  if (job.status !== "CANCELED" && job.status !== "COMPLETED") {
    await iot.send(new CancelJobCommand({ jobId, force: true, comment: "jobs-targeting teardown" }));
  }
  await iot.send(new DeleteJobCommand({ jobId, force: true }));
  return "deleted";
}

/** Deletes the group if it is of the kind this tool created under that name; any other group is kept. */
async function removeGroup(
  iot: IoTClient,
  thingGroupName: string,
  kind: "dynamic" | "static",
  notes: string[],
): Promise<ResourceOutcome> {
  const group = await unlessNotFound(() => iot.send(new DescribeThingGroupCommand({ thingGroupName })));
  if (!group) return "absent";
  const isDynamic = group.queryString !== undefined;
  if (isDynamic !== (kind === "dynamic")) {
    notes.push(
      `${thingGroupName} kept: it is a ${isDynamic ? "dynamic" : "static"} group, this tool creates a ${kind} one there`,
    );
    return "kept";
  }
  if (isDynamic) await iot.send(new DeleteDynamicThingGroupCommand({ thingGroupName }));
  else await iot.send(new DeleteThingGroupCommand({ thingGroupName }));
  return "deleted";
}
