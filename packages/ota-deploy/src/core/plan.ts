// The first step of a deployment: everything checked before anything is created — the config (every field and
// range), the release, the stream role, the targets (things exist, a group exists) and the merged job document
// — and turned into the plan every later step reads. A list of more than 100 things is written to the bucket
// for the paced group fill (the only write, and idempotent).
import { DescribeThingCommand, DescribeThingGroupCommand, type IoTClient } from "@aws-sdk/client-iot";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { NotFoundError, unlessNotFound, ValidationError } from "@fleet/shared-aws";
import { type DeploymentConfig, MAX_DIRECT_TARGETS, parseDeploymentConfig } from "./deployment-config";
import { type DocumentDeps, loadCustomDocument, mergeDocument, otaFields } from "./job-document";
import { requirePrefix, targetGroupName, targetListKey } from "./names";
import { type ReleaseRecord, readRelease } from "./release-record";

export type PlannedTargets =
  | { kind: "things"; arns: string[] }
  | { kind: "group"; groupName: string }
  | { kind: "list"; listKey: string; groupName: string };

export interface DeploymentPlan {
  config: DeploymentConfig;
  release: ReleaseRecord;
  streamId: string;
  fileId: number;
  roleArn: string;
  document: string;
  targets: PlannedTargets;
}

export interface PlanDeps extends DocumentDeps {
  iot: IoTClient;
  /** The stack's OTA role, for configs that name none. */
  otaRoleArn?: string | undefined;
  groupNamePrefix: string;
}

export async function planDeployment(deps: PlanDeps, input: unknown): Promise<DeploymentPlan> {
  const config = parseDeploymentConfig(input);
  requirePrefix(deps.groupNamePrefix, { jobId: config.jobId, streamId: config.streamId });
  const roleArn = config.roleArn ?? deps.otaRoleArn;
  if (!roleArn)
    throw new ValidationError([
      "roleArn: give the role IoT assumes to read the firmware (this stack sets no OTA_ROLE_ARN)",
    ]);
  requireStackRole(deps.otaRoleArn, {
    roleArn: config.roleArn,
    "presignedUrl.roleArn": config.presignedUrl?.roleArn,
  });
  const release = await readRelease(deps.s3, deps.bucket, config.release);
  if (!release)
    throw new NotFoundError(
      `release: ${config.release} is not released in ${deps.bucket} (run the release handler first)`,
    );
  const fileId = config.fileId ?? release.fileId;
  const custom = await loadCustomDocument(deps, config.document);
  const document = mergeDocument(custom, otaFields(release, config.streamId, fileId), config.presignedUrl);
  const targets = await planTargets(deps, config);
  return { config, release, streamId: config.streamId, fileId, roleArn, document, targets };
}

/**
 * A deployed stack lets its handlers pass only its OTA role to IoT (the role that reads its firmware): another
 * role would be denied half-way, after the stream exists. Without a stack role (local runs) any role is taken.
 */
function requireStackRole(otaRoleArn: string | undefined, roles: Record<string, string | undefined>): void {
  if (!otaRoleArn) return;
  const problems = Object.entries(roles)
    .filter(([, role]) => role !== undefined && role !== otaRoleArn)
    .map(
      ([field]) =>
        `${field}: this stack passes only its OTA role to IoT (${otaRoleArn}); leave roleArn out or name that role`,
    );
  if (problems.length > 0) throw new ValidationError(problems);
}

async function planTargets(deps: PlanDeps, config: DeploymentConfig): Promise<PlannedTargets> {
  const { targets, jobId } = config;
  if ("thingGroup" in targets) {
    requirePrefix(deps.groupNamePrefix, { "targets.thingGroup": targets.thingGroup });
    const group = await unlessNotFound(() =>
      deps.iot.send(new DescribeThingGroupCommand({ thingGroupName: targets.thingGroup })),
    );
    if (!group) throw new NotFoundError(`targets.thingGroup: ${targets.thingGroup} does not exist`);
    return { kind: "group", groupName: targets.thingGroup };
  }
  const groupName = targetGroupName(jobId);
  requirePrefix(deps.groupNamePrefix, { "targets (group)": groupName });
  if ("thingListKey" in targets) return { kind: "list", listKey: targets.thingListKey, groupName };
  const names = [...new Set(targets.things.map((t) => t.split("/").pop() as string))];
  if (names.length > MAX_DIRECT_TARGETS) {
    const listKey = targetListKey(jobId);
    await deps.s3.send(
      new PutObjectCommand({ Bucket: deps.bucket, Key: listKey, Body: `${names.join("\n")}\n` }),
    );
    return { kind: "list", listKey, groupName };
  }
  return { kind: "things", arns: await thingArns(deps.iot, names) };
}

/** ARNs of the named things; every one must exist (CreateJob takes ARNs, and a typo must not go unnoticed). */
async function thingArns(iot: IoTClient, names: string[]): Promise<string[]> {
  const arns: string[] = [];
  const missing: string[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const batch = names.slice(i, i + 10);
    const found = await Promise.all(
      batch.map((thingName) => unlessNotFound(() => iot.send(new DescribeThingCommand({ thingName })))),
    );
    found.forEach((thing, j) => {
      if (thing?.thingArn) arns.push(thing.thingArn);
      else missing.push(batch[j] as string);
    });
  }
  if (missing.length > 0) throw new ValidationError([`targets.things: ${missing.join(", ")} do not exist`]);
  return arns;
}
