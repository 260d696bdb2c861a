// IoT ARNs for the jobs-targeting grants, limited to the names the stack's config gives what the tools create
// (fleet:deployment.iot) wherever the IAM resource type allows it. Where it does not, the grant stays on every
// resource of its type, for a reason named here (infra/README.md lists them).
import type { IotNaming } from "../deployment";
import { type AwsScope, regionalArn } from "./document";

export function iotResources(scope: AwsScope, naming: IotNaming) {
  const arn = (resource: string) => regionalArn(scope, "iot", resource);
  return {
    /** Things the test-fleet tools create, describe and delete. */
    testThings: arn(`thing/${naming.thingNamePrefix}*`),
    /** Any device: fast-track writes the shadow of every device a job targets, fill-exclude-group adds any device to an exclude group. */
    anyThing: arn("thing/*"),
    /** The groups of a job: `<jobName>` (dynamic) and `<jobName>-exclude` (static). */
    groups: arn(`thinggroup/${naming.groupNamePrefix}*`),
    /** A job is named after its jobName, like its groups. */
    jobs: arn(`job/${naming.groupNamePrefix}*`),
    /** The fleet index: one per account, searched for the whole fleet. */
    thingIndex: arn("index/AWS_Things"),
  };
}
