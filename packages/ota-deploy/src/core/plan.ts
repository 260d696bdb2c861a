// The first step of a deployment: everything checked before anything is created — the config (every field and
// range), the alarms' topics (the stack has them), the release and its pinned object version, the stream role,
// the targets (things exist, a group exists) and the merged job document — and turned into the plan every later step reads. The plan gives the
// deployment its owner id: what the deployment creates carries it, and clean-up removes only what carries it.
// A list of more than 100 things is written to the bucket for the paced group fill (the only write).
import { randomUUID } from "node:crypto";
import { DescribeThingCommand, DescribeThingGroupCommand, type IoTClient } from "@aws-sdk/client-iot";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  ConflictError,
  NotFoundError,
  thingNameOf,
  unlessNotFound,
  ValidationError,
} from "@fleet/shared-aws";
import {
  type DeadlineBounds,
  type DeploymentConfig,
  MAX_DIRECT_TARGETS,
  parseDeploymentConfig,
} from "./deployment-config";
import { type DocumentDeps, loadCustomDocument, mergeDocument, otaFields } from "./job-document";
import { requirePrefix, targetGroupName, targetListKey } from "./names";
import { type ReleaseRecord, readRelease } from "./release-record";
import { alarmActions, type StackTopics, stackTopics } from "./round-alarms";

export type PlannedTargets =
  | { kind: "things"; arns: string[] }
  | { kind: "group"; groupName: string }
  | { kind: "list"; listKey: string; groupName: string };

/** What the deployment creates besides each round's job and stream, for its final clean-up (null: nothing). */
export interface OwnedTargets {
  targetGroup: string | null;
  /** The target list plan wrote (a list the config named is the caller's, and kept). */
  targetList: string | null;
}

export interface DeploymentPlan {
  config: DeploymentConfig;
  release: ReleaseRecord;
  streamId: string;
  fileId: number;
  roleArn: string;
  document: string;
  targets: PlannedTargets;
  /** The deployment's owner id (see names.ts ownerMark). */
  owner: string;
  owned: OwnedTargets;
}

export interface PlanDeps extends DocumentDeps {
  iot: IoTClient;
  /** The stack's OTA role, for configs that name none. */
  otaRoleArn?: string | undefined;
  groupNamePrefix: string;
  /** The stack's bounds on deadlines (DEFAULT_/MAX_ROUND_DEADLINE_MINUTES). */
  deadlines?: DeadlineBounds;
  /** The stack's alarm topics: an alarm naming one the stack lacks is refused before anything is created. */
  topics?: StackTopics;
}

/** The variables plan-deployment and add-schedule check a deployment with. */
export interface PlanSettings {
  FIRMWARE_BUCKET: string;
  OTA_ROLE_ARN?: string | undefined;
  DOCUMENT_URL_HOSTS: string;
  GROUP_NAME_PREFIX: string;
  DEFAULT_ROUND_DEADLINE_MINUTES: number;
  MAX_ROUND_DEADLINE_MINUTES: number;
  EMAIL_TOPIC_ARN: string;
  SMS_TOPIC_ARN: string;
  FORCE_STOP_TOPIC_ARN: string;
}

/** A deployment checker's dependencies, from its handler's variables. */
export const planDeps = (settings: PlanSettings, clients: { s3: S3Client; iot: IoTClient }): PlanDeps => ({
  ...clients,
  bucket: settings.FIRMWARE_BUCKET,
  otaRoleArn: settings.OTA_ROLE_ARN,
  allowedHosts: settings.DOCUMENT_URL_HOSTS.split(",").filter(Boolean),
  groupNamePrefix: settings.GROUP_NAME_PREFIX,
  deadlines: {
    defaultMinutes: settings.DEFAULT_ROUND_DEADLINE_MINUTES,
    maxMinutes: settings.MAX_ROUND_DEADLINE_MINUTES,
  },
  topics: stackTopics(settings),
});

/** What a deployment config resolves to before its targets are planned: everything plan checks but them. */
export interface CheckedDeployment {
  config: DeploymentConfig;
  release: ReleaseRecord;
  fileId: number;
  roleArn: string;
  document: string;
}

/**
 * The config (every field and range, the stack's prefix, role and deadline bounds), its release (recorded, so
 * verified, and its pinned object version still there) and the merged job document, checked; nothing written.
 */
export async function checkDeployment(deps: PlanDeps, input: unknown): Promise<CheckedDeployment> {
  const config = parseDeploymentConfig(input, deps.deadlines);
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
  if (deps.topics && config.alarms) alarmActions(config.alarms, deps.topics);
  const release = await readRelease(deps.s3, deps.bucket, config.release);
  if (!release)
    throw new NotFoundError(
      `release: ${config.release} is not released in ${deps.bucket} (run the release handler first)`,
    );
  await requireFirmwareObject(deps, release);
  const fileId = config.fileId ?? release.fileId;
  const custom = await loadCustomDocument(deps, config.document);
  const document = mergeDocument(
    custom,
    otaFields(release, config.streamId, fileId),
    config.presignedUrl,
    deps.otaRoleArn ? deps.bucket : undefined,
  );
  return { config, release, fileId, roleArn, document };
}

export async function planDeployment(deps: PlanDeps, input: unknown): Promise<DeploymentPlan> {
  const { config, release, fileId, roleArn, document } = await checkDeployment(deps, input);
  const owner = randomUUID();
  const { targets, owned, listed } = await planTargets(deps, config, owner);
  return {
    config: {
      ...config,
      // The list plan wrote replaces the names, which every later state would otherwise carry.
      ...(listed ? { targets: { thingListKey: listed } } : {}),
      ...(config.presignedUrl
        ? { presignedUrl: { ...config.presignedUrl, roleArn: config.presignedUrl.roleArn ?? roleArn } }
        : {}),
    },
    release,
    streamId: config.streamId,
    fileId,
    roleArn,
    document,
    targets,
    owner,
    owned,
  };
}

/** The object version the release pinned must still exist: a stream of a vanished version fails on devices. */
async function requireFirmwareObject(deps: PlanDeps, release: ReleaseRecord): Promise<void> {
  const head = await unlessNotFound(() =>
    deps.s3.send(
      new HeadObjectCommand({
        Bucket: release.bucket,
        Key: release.key,
        ...(release.versionId ? { VersionId: release.versionId } : {}),
      }),
    ),
  );
  if (!head)
    throw new NotFoundError(
      `release: ${release.version}'s firmware s3://${release.bucket}/${release.key}${release.versionId ? ` (version ${release.versionId})` : ""} no longer exists; release the firmware again under a new version`,
    );
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

const NOTHING_OWNED: OwnedTargets = { targetGroup: null, targetList: null };

async function planTargets(
  deps: PlanDeps,
  config: DeploymentConfig,
  owner: string,
): Promise<{ targets: PlannedTargets; owned: OwnedTargets; listed?: string }> {
  const { targets, jobId } = config;
  if ("thingGroup" in targets) {
    requirePrefix(deps.groupNamePrefix, { "targets.thingGroup": targets.thingGroup });
    const group = await unlessNotFound(() =>
      deps.iot.send(new DescribeThingGroupCommand({ thingGroupName: targets.thingGroup })),
    );
    if (!group) throw new NotFoundError(`targets.thingGroup: ${targets.thingGroup} does not exist`);
    return { targets: { kind: "group", groupName: targets.thingGroup }, owned: NOTHING_OWNED };
  }
  const groupName = targetGroupName(jobId, owner);
  requirePrefix(deps.groupNamePrefix, { "targets (group)": groupName });
  // The group is this deployment's alone: one that exists is someone else's, whose members must not be targeted.
  if (await unlessNotFound(() => deps.iot.send(new DescribeThingGroupCommand({ thingGroupName: groupName }))))
    throw new ConflictError(`targets: the target group ${groupName} exists already; nothing was deployed`);
  if ("thingListKey" in targets) {
    return {
      targets: { kind: "list", listKey: targets.thingListKey, groupName },
      owned: { targetGroup: groupName, targetList: null },
    };
  }
  const names = [...new Set(targets.things.map(thingNameOf))];
  if (names.length > MAX_DIRECT_TARGETS) {
    const listKey = targetListKey(jobId, owner);
    await deps.s3.send(
      new PutObjectCommand({ Bucket: deps.bucket, Key: listKey, Body: `${names.join("\n")}\n` }),
    );
    return {
      targets: { kind: "list", listKey, groupName },
      owned: { targetGroup: groupName, targetList: listKey },
      listed: listKey,
    };
  }
  return { targets: { kind: "things", arns: await thingArns(deps.iot, names) }, owned: NOTHING_OWNED };
}

/** ARNs of the named things; every one must exist (CreateJob takes ARNs, and a typo must not go unnoticed). */
export async function thingArns(iot: IoTClient, names: string[]): Promise<string[]> {
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
