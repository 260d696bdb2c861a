// The seed's tear-down steps as one idempotent call: stop the job's running state machine executions (so none
// goes on creating what is being deleted), cancel (force) and delete the job, delete its dynamic and exclude
// groups, optionally delete the test things. Every step first looks at what is there, so a repeat (or a
// continuation, which repeats the cheap steps) reports what it found instead of failing.
import {
  DeleteDynamicThingGroupCommand,
  DeleteThingGroupCommand,
  DescribeThingGroupCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { type RemovalOutcome, removeJob, unlessNotFound, ValidationError } from "@fleet/shared-aws";
import type { StepResult } from "@fleet/shared-aws/steps";
import { type DeleteCursor, type DeleteDeps, deleteThings } from "./delete-things";
import { stopRunningExecutions } from "./executions";
import { excludeGroupNameFor } from "./names";

export type ResourceOutcome = RemovalOutcome;

export interface TeardownDeps extends DeleteDeps {
  sfn: SFNClient;
  /** The targeted-job state machine, whose running executions of this job are stopped first. */
  stateMachineArn: string;
}

export interface TeardownResult {
  done: boolean;
  cursor: DeleteCursor | null;
  /** ARNs of the executions of this job that were running and are now stopped. */
  stoppedExecutions: string[];
  job: ResourceOutcome;
  targetGroup: ResourceOutcome;
  excludeGroup: ResourceOutcome;
  /** Why a resource was kept. */
  notes: string[];
  things: Omit<StepResult<DeleteCursor>, "cursor" | "done"> | null;
}

/**
 * A stack without the test-fleet tools (prod) grants teardown no thing deletion, so a thingPrefix is refused before
 * any call, saying why, rather than denied after the job and groups are gone.
 */
export function refuseThingDeletionWithoutTestFleetTools(
  testFleetTools: boolean,
  thingPrefix: string | undefined,
): void {
  if (thingPrefix !== undefined && !testFleetTools) {
    throw new ValidationError([
      "thingPrefix: this stack has no test-fleet tools (TEST_FLEET_TOOLS is false), so teardown may delete no thing here; leave thingPrefix out",
    ]);
  }
}

export async function teardown(
  deps: TeardownDeps,
  input: { jobName: string; thingPrefix?: string | undefined; cursor?: DeleteCursor | undefined },
): Promise<TeardownResult> {
  const notes: string[] = [];
  const stoppedExecutions = await stopRunningExecutions(
    deps.sfn,
    deps.stateMachineArn,
    input.jobName,
    "stopped by jobs-targeting teardown",
  );
  if (stoppedExecutions.length > 0) {
    notes.push(
      "a step the stopped executions had already invoked finishes that invocation (Step Functions does not interrupt a Lambda; at most 15 minutes): run teardown again after that to remove anything it created",
    );
  }
  // Force: executions already IN_PROGRESS are cancelled too, not only QUEUED ones.
  const { outcome: job } = await removeJob(deps.iot, input.jobName, { comment: "jobs-targeting teardown" });
  const targetGroup = await removeGroup(deps.iot, input.jobName, "dynamic", notes);
  const excludeGroup = await removeGroup(deps.iot, excludeGroupNameFor(input.jobName), "static", notes);
  if (!input.thingPrefix)
    return {
      done: true,
      cursor: null,
      stoppedExecutions,
      job,
      targetGroup,
      excludeGroup,
      notes,
      things: null,
    };
  const { done, cursor, ...things } = await deleteThings(deps, {
    prefix: input.thingPrefix,
    cursor: input.cursor,
  });
  return { done, cursor, stoppedExecutions, job, targetGroup, excludeGroup, notes, things };
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
