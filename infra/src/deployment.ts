// How a stack is deployed, as opposed to what it deploys (`fleet:deployment` in Pulumi.<stack>.yaml): the IAM path
// the deploy role may manage (the bootstrap stack's output), whether stateful resources are protected, whether the
// test-fleet tools exist, and the names the tools give IoT things and groups (their IAM grants are limited to
// them). Read and checked as a whole, like the rest of the stack's config; applied through stack transforms
// where it concerns every resource, so that no component can forget it.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "./config";
import { protectStatefulResources } from "./protection";

/** The names the tools give what they create; their grants on things, groups and jobs are limited to these. */
export interface IotNaming {
  /** Things the test-fleet tools create and delete (seed-things, teardown with thingPrefix). */
  thingNamePrefix: string;
  /** Thing groups and jobs: a job's groups and the job itself are named after its jobName. */
  groupNamePrefix: string;
}

export interface DeploymentConfig {
  /** The IAM path of every role the program creates (bootstrap output environments.<stack>.fleetConfig). */
  iamRolePath: string;
  /** Protect stateful resources, and retain those holding data when they leave the program. */
  protect: boolean;
  /** Deploy the test-fleet tools (seed-things, which creates and deletes things). */
  testFleetTools: boolean;
  iot: IotNaming;
}

const KEY = `${PROJECT}:deployment`;
const IAM_PATH = /^\/([\w+=,.@-]+\/)+$/;
// Thing and group names allow [a-zA-Z0-9:_-]; a prefix must be non-empty, or it would scope nothing.
const IOT_NAME_PREFIX = /^[a-zA-Z0-9:_-]{1,64}$/;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const readDeploymentConfig = (): DeploymentConfig =>
  parseDeploymentConfig(new pulumi.Config(PROJECT).getObject("deployment"));

/** Checks the `fleet:deployment` block; throws one error naming every missing or malformed key. */
export function parseDeploymentConfig(raw: unknown): DeploymentConfig {
  if (!isRecord(raw)) {
    throw new Error(
      `Invalid stack configuration: ${KEY} must be a map (iamRolePath, protect, testFleetTools, iot)`,
    );
  }
  const iot = isRecord(raw.iot) ? raw.iot : {};
  const problems = [
    ...(typeof raw.iamRolePath === "string" && IAM_PATH.test(raw.iamRolePath)
      ? []
      : [
          `${KEY}.iamRolePath must be an IAM path like /fleet/dev/ (bootstrap output environments.<stack>.fleetConfig)`,
        ]),
    ...(["protect", "testFleetTools"] as const)
      .filter((key) => typeof raw[key] !== "boolean")
      .map((key) => `${KEY}.${key} must be true or false`),
    ...(["thingNamePrefix", "groupNamePrefix"] as const)
      .filter((key) => !(typeof iot[key] === "string" && IOT_NAME_PREFIX.test(iot[key] as string)))
      .map((key) => `${KEY}.iot.${key} must be 1-64 characters of a-z, A-Z, 0-9, :, _ and -`),
  ];
  if (problems.length > 0) throw new Error(`Invalid stack configuration: ${problems.join("; ")}`);
  return raw as unknown as DeploymentConfig;
}

/** Every role the program creates lives under the path whose roles the deploy role may manage and pass. */
export const roleUnderPath =
  (iamRolePath: string): pulumi.ResourceTransform =>
  (args) =>
    args.type === "aws:iam/role:Role" && args.custom
      ? { props: { ...args.props, path: iamRolePath }, opts: args.opts }
      : undefined;

/** Registers the transforms every resource of the stack goes through: call before creating any. */
export function registerDeploymentTransforms(config: DeploymentConfig): void {
  pulumi.runtime.registerResourceTransform(roleUnderPath(config.iamRolePath));
  if (config.protect) pulumi.runtime.registerResourceTransform(protectStatefulResources);
}
