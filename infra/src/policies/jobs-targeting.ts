// Least privilege for each jobs-targeting handler, derived from the AWS calls its code makes. IoT resource
// types (Service Authorization Reference, "AWS IoT"): thing, thinggroup (static and dynamic groups share
// it), job, index; ListThings and the indexing configuration define none. Things, groups and jobs the tools
// create are limited to the stack's name prefixes (iot-naming.ts).
import type { IotNaming } from "../deployment";
import { allow, allowWithoutResourceType, type PermissionContext, type PolicyStatement } from "./document";
import { iotResources } from "./iot-naming";

export interface JobsTargetingContext extends PermissionContext {
  listsBucketArn: string;
  iot: IotNaming;
}

/** The test-fleet tools: seed-things creates and deletes things. Not deployed where fleet:deployment says so. */
export const JOBS_TARGETING_TEST_FLEET_HANDLERS = ["seed-things"];

/** The state machine start-targeted-job starts, by its name in the package manifest. */
export const TARGETED_JOB_STATE_MACHINE = "targeted-job";

const iot = (context: JobsTargetingContext) => iotResources(context.scope, context.iot);
const readLists = (context: JobsTargetingContext) => allow(["s3:GetObject"], [`${context.listsBucketArn}/*`]);
/**
 * For handlers that check an object exists (HeadObject) or read it: without s3:ListBucket on the bucket, S3
 * answers a missing key with 403 AccessDenied instead of 404, and the handler could not say "does not exist".
 */
const readAndLookUpLists = (context: JobsTargetingContext): PolicyStatement[] => [
  readLists(context),
  allow(["s3:ListBucket"], [context.listsBucketArn]),
];

/** The targeted-job state machine's ARN, and the ARN pattern of its executions. */
function targetedJobStateMachine(context: JobsTargetingContext, handler: string) {
  const stateMachineArn = context.stateMachineArns[TARGETED_JOB_STATE_MACHINE];
  if (!stateMachineArn)
    throw new Error(`${handler} needs the ${TARGETED_JOB_STATE_MACHINE} state machine's ARN`);
  // arn:<partition>:states:<region>:<account>:stateMachine:<name> → …:execution:<name>:*
  const executions = `${stateMachineArn.replace(/:stateMachine:([^:]+)$/, ":execution:$1")}:*`;
  if (!executions.includes(":execution:")) throw new Error(`${stateMachineArn} is not a state machine ARN`);
  return { stateMachineArn, executions };
}
const deleteThings = (context: JobsTargetingContext): PolicyStatement[] => [
  allow(["iot:DeleteThing"], [iot(context).testThings]),
  allowWithoutResourceType(["iot:ListThings"], context.scope),
];

export const JOBS_TARGETING_PERMISSIONS: Record<
  string,
  (context: JobsTargetingContext) => PolicyStatement[]
> = {
  "seed-things": (context) => [
    allow(["iot:CreateThing", "iot:DescribeThing"], [iot(context).testThings]),
    ...deleteThings(context),
  ],
  "start-targeted-job": (context) => {
    const { stateMachineArn, executions } = targetedJobStateMachine(context, "start-targeted-job");
    return [
      // Finds a running execution of the job (returned, or a conflict) before starting one.
      allow(["states:ListExecutions", "states:StartExecution"], [stateMachineArn]),
      allow(["states:DescribeExecution"], [executions]),
      // Refuses a jobName whose groups or job exist with another query, list or job settings.
      allow(["iot:DescribeThingGroup"], [iot(context).groups]),
      allow(["iot:DescribeJob", "iot:GetJobDocument"], [iot(context).jobs]),
      // Checks that the list and the document exist.
      ...readAndLookUpLists(context),
    ];
  },
  "fill-exclude-group": (context) => [
    allow(["iot:CreateThingGroup", "iot:DescribeThingGroup"], [iot(context).groups]),
    allow(["iot:AddThingToThingGroup"], [iot(context).anyThing, iot(context).groups]),
    ...readAndLookUpLists(context),
  ],
  teardown: (context) => {
    const { stateMachineArn, executions } = targetedJobStateMachine(context, "teardown");
    return [
      // Stops the job's running executions before deleting what they build.
      allow(["states:ListExecutions"], [stateMachineArn]),
      allow(["states:StopExecution"], [executions]),
      allow(["iot:CancelJob", "iot:DeleteJob", "iot:DescribeJob"], [iot(context).jobs]),
      allow(
        ["iot:DescribeThingGroup", "iot:DeleteThingGroup", "iot:DeleteDynamicThingGroup"],
        [iot(context).groups],
      ),
      ...deleteThings(context),
    ];
  },
  preview: (context) => [
    allow(["iot:SearchIndex"], [iot(context).thingIndex]),
    ...readAndLookUpLists(context),
  ],
  "ensure-indexing": (context) => [
    allowWithoutResourceType(
      ["iot:GetIndexingConfiguration", "iot:UpdateIndexingConfiguration"],
      context.scope,
    ),
  ],
  "index-status": (context) => [allow(["iot:DescribeIndex"], [iot(context).thingIndex])],
  "confirm-exclusions": (context) => [
    allow(["iot:ListThingsInThingGroup"], [iot(context).groups]),
    allow(["iot:SearchIndex"], [iot(context).thingIndex]),
  ],
  "create-target-group": (context) => [
    allow(["iot:CreateDynamicThingGroup", "iot:DescribeThingGroup"], [iot(context).groups]),
  ],
  "create-job": (context) => [
    // CreateJob requires the job and its targets' resource types (thing and thinggroup).
    allow(["iot:CreateJob"], [iot(context).jobs, iot(context).anyThing, iot(context).groups]),
    allow(["iot:DescribeJob"], [iot(context).jobs]),
    // A documentSource in S3 is read with the caller's permissions.
    readLists(context),
  ],
  "fast-track": (context) => [
    allow(["iot:SearchIndex"], [iot(context).thingIndex]),
    allow(["iot:UpdateThingShadow"], [iot(context).anyThing]),
    ...readAndLookUpLists(context),
  ],
};
