// The job's dynamic thing group. CreateDynamicThingGroup on an existing name is undocumented, so the group is
// described first: the same query means a re-run (carry on), another query is a conflict named in the error.
import {
  CreateDynamicThingGroupCommand,
  DescribeThingGroupCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import { ConflictError, isAlreadyExists, unlessNotFound } from "@fleet/shared-aws";

export interface TargetGroupResult {
  groupName: string;
  groupArn: string;
  outcome: "created" | "existed";
}

export async function createTargetGroup(
  iot: IoTClient,
  input: { groupName: string; queryString: string },
): Promise<TargetGroupResult> {
  const existing = await existingTargetGroup(iot, input);
  if (existing) return existing;
  try {
    const created = await iot.send(
      new CreateDynamicThingGroupCommand({
        thingGroupName: input.groupName,
        queryString: input.queryString,
        indexName: "AWS_Things",
        queryVersion: "2017-09-30",
        thingGroupProperties: {
          thingGroupDescription: "Targets of the IoT job of the same name (jobs-targeting)",
        },
      }),
    );
    return { groupName: input.groupName, groupArn: created.thingGroupArn as string, outcome: "created" };
  } catch (error) {
    // Created concurrently (a second execution for the same job): judge it like any existing group.
    const raced = isAlreadyExists(error) ? await existingTargetGroup(iot, input) : undefined;
    if (raced) return raced;
    throw error;
  }
}

async function existingTargetGroup(
  iot: IoTClient,
  input: { groupName: string; queryString: string },
): Promise<TargetGroupResult | undefined> {
  const group = await unlessNotFound(() =>
    iot.send(new DescribeThingGroupCommand({ thingGroupName: input.groupName })),
  );
  if (!group) return undefined;
  if (group.queryString === undefined) {
    throw new ConflictError(
      `a static thing group named ${input.groupName} already exists; choose another jobName`,
    );
  }
  if (group.queryString !== input.queryString) {
    throw new ConflictError(
      `dynamic group ${input.groupName} already exists with query ${JSON.stringify(group.queryString)}, not ${JSON.stringify(input.queryString)}`,
    );
  }
  return { groupName: input.groupName, groupArn: group.thingGroupArn as string, outcome: "existed" };
}
