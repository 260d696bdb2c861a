// How a stack is deployed, as opposed to what it deploys. From `fleet:deployment` in Pulumi.<stack>.yaml: whether
// stateful resources are protected, whether the test-fleet tools exist, and the names the tools give IoT things
// and groups (their IAM grants are limited to them). From the stack's name, as the bootstrap derives them too
// (bootstrap/src/naming.ts), so that no config can disagree with what the deploy role may manage: the IAM path of
// the roles, the permissions boundary they carry, the prefix of every resource name. Read and checked as a
// whole, like the rest of the stack's config; applied through stack transforms where it concerns every resource,
// so that no component can forget it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { resourceNamePrefix, workloadBoundaryArn, workloadRolePath } from "../bootstrap/src/naming";
import { PROJECT } from "./config";
import { protectStatefulResources } from "./protection";
import { isRecord } from "./records";

/** The names the tools give what they create; their grants on things, groups and jobs are limited to these. */
export interface IotNaming {
  /** Things the test-fleet tools create and delete (seed-things, teardown with thingPrefix). */
  thingNamePrefix: string;
  /** Thing groups and jobs: a job's groups and the job itself are named after its jobName. */
  groupNamePrefix: string;
}

export interface DeploymentConfig {
  /** The IAM path of every role the program creates, `/fleet/<stack>/`: the roles its deploy role may manage. */
  iamRolePath: string;
  /** How every name the program gives a resource starts, `fleet-<stack>-`: what its deploy role may manage. */
  namePrefix: string;
  /** Protect stateful resources, and retain those holding data when they leave the program. */
  protect: boolean;
  /** Deploy the test-fleet tools (seed-things, which creates and deletes things; teardown deleting things). */
  testFleetTools: boolean;
  iot: IotNaming;
}

const KEY = `${PROJECT}:deployment`;
const KEYS = ["protect", "testFleetTools", "iot"];
// Thing and group names allow [a-zA-Z0-9:_-]; a prefix must be non-empty, or it would scope nothing.
const IOT_NAME_PREFIX = /^[a-zA-Z0-9:_-]{1,64}$/;

export const readDeploymentConfig = (): DeploymentConfig =>
  parseDeploymentConfig(new pulumi.Config(PROJECT).getObject("deployment"), pulumi.getStack());

/** Checks the `fleet:deployment` block of `stack`; throws one error naming every missing or malformed key. */
export function parseDeploymentConfig(raw: unknown, stack: string): DeploymentConfig {
  if (!isRecord(raw)) {
    throw new Error(`Invalid stack configuration: ${KEY} must be a map (protect, testFleetTools, iot)`);
  }
  const iot = isRecord(raw.iot) ? raw.iot : {};
  const namePrefix = resourceNamePrefix(stack);
  const problems = [
    ...Object.keys(raw)
      .filter((key) => !KEYS.includes(key))
      .map((key) =>
        key === "iamRolePath"
          ? `${KEY}.iamRolePath is derived from the stack's name (${workloadRolePath(stack)}): remove it`
          : `${KEY}.${key} is not a setting (${KEYS.join(", ")})`,
      ),
    ...(["protect", "testFleetTools"] as const)
      .filter((key) => typeof raw[key] !== "boolean")
      .map((key) => `${KEY}.${key} must be true or false`),
    ...(["thingNamePrefix", "groupNamePrefix"] as const)
      .filter((key) => !(typeof iot[key] === "string" && IOT_NAME_PREFIX.test(iot[key] as string)))
      .map((key) => `${KEY}.iot.${key} must be 1-64 characters of a-z, A-Z, 0-9, :, _ and -`),
    // The roles' permissions boundary limits groups and jobs to the stack's names (bootstrap).
    ...(typeof iot.groupNamePrefix === "string" && !iot.groupNamePrefix.startsWith(namePrefix)
      ? [`${KEY}.iot.groupNamePrefix must start with ${namePrefix}, the names this stack's roles may reach`]
      : []),
  ];
  if (problems.length > 0) throw new Error(`Invalid stack configuration: ${problems.join("; ")}`);
  const { protect, testFleetTools } = raw as { protect: boolean; testFleetTools: boolean };
  return {
    iamRolePath: workloadRolePath(stack),
    namePrefix,
    protect,
    testFleetTools,
    iot: { thingNamePrefix: iot.thingNamePrefix as string, groupNamePrefix: iot.groupNamePrefix as string },
  };
}

/** The permissions boundary the bootstrap created for this stack in the account `provider` deploys to. */
export const workloadBoundaryOf = (provider: aws.Provider): pulumi.Output<string> =>
  pulumi
    .all([aws.getPartitionOutput({}, { provider }), aws.getCallerIdentityOutput({}, { provider })])
    .apply(([{ partition }, { accountId }]) => workloadBoundaryArn(partition, accountId, pulumi.getStack()));

/**
 * Every role the program creates lives under the path whose roles the deploy role may manage and pass, and
 * carries the permissions boundary the deploy role must set on it: whatever a role's own policy says, it can do
 * no more than the boundary allows.
 */
export const boundedRoleUnderPath =
  (iamRolePath: string, boundaryArn: pulumi.Input<string>): pulumi.ResourceTransform =>
  (args) =>
    args.type === "aws:iam/role:Role" && args.custom
      ? { props: { ...args.props, path: iamRolePath, permissionsBoundary: boundaryArn }, opts: args.opts }
      : undefined;

/**
 * Registers the transforms every resource of the stack goes through: call before creating any but the provider
 * (through which the boundary's ARN is read).
 */
export function registerDeploymentTransforms(
  config: DeploymentConfig,
  boundaryArn: pulumi.Input<string>,
): void {
  pulumi.runtime.registerResourceTransform(boundedRoleUnderPath(config.iamRolePath, boundaryArn));
  if (config.protect) pulumi.runtime.registerResourceTransform(protectStatefulResources);
}
