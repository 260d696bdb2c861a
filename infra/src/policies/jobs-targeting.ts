// Least privilege for each jobs-targeting handler, derived from the AWS calls its code makes. IoT resource
// types (Service Authorization Reference, "AWS IoT"): thing, thinggroup (static and dynamic groups share
// it), job, index; ListThings and the indexing configuration define none. Things, groups and jobs the tools
// create are limited to the stack's name prefixes (iot-naming.ts); things are deleted only where the stack has
// test-fleet tools (teardown with thingPrefix; elsewhere it refuses one). The lists bucket and the targeted-job
// state machine are the package's own, named as in its manifest: a handler's statements can refer to them
// only where its manifest entry uses them.
import {
  allow,
  allowWithoutResourceType,
  arnOf,
  executionsOf,
  type PermissionContext,
  type PolicyStatement,
} from "./document";
import { iotResources } from "./iot-naming";

const LISTS = "lists";
const TARGETED_JOB = "targeted-job";

const iot = (context: PermissionContext) => iotResources(context.scope, context.iot);
const readLists = (context: PermissionContext) => allow(["s3:GetObject"], [`${arnOf(context, LISTS)}/*`]);
/**
 * For handlers that check an object exists (HeadObject) or read it: without s3:ListBucket on the bucket, S3
 * answers a missing key with 403 AccessDenied instead of 404, and the handler could not say "does not exist".
 */
const readAndLookUpLists = (context: PermissionContext): PolicyStatement[] => [
  readLists(context),
  allow(["s3:ListBucket"], [arnOf(context, LISTS)]),
];
/** For handlers that read a list at the version they pinned (GetObject with a VersionId needs its own action). */
const readPinnedLists = (context: PermissionContext): PolicyStatement[] => [
  ...readAndLookUpLists(context),
  allow(["s3:GetObjectVersion"], [`${arnOf(context, LISTS)}/*`]),
];
/** Paced steps bound their configured rate by the account's applied quota, where Service Quotas has one. */
const readQuotas = (context: PermissionContext) =>
  allowWithoutResourceType(["servicequotas:GetServiceQuota"], context.scope);
const deleteThings = (context: PermissionContext): PolicyStatement[] => [
  allow(["iot:DeleteThing"], [iot(context).testThings]),
  allowWithoutResourceType(["iot:ListThings"], context.scope),
];

export const JOBS_TARGETING_PERMISSIONS: Record<string, (context: PermissionContext) => PolicyStatement[]> = {
  "seed-things": (context) => [
    allow(["iot:CreateThing", "iot:DescribeThing"], [iot(context).testThings]),
    ...deleteThings(context),
    readQuotas(context),
  ],
  "start-targeted-job": (context) => {
    const stateMachineArn = arnOf(context, TARGETED_JOB);
    return [
      // Finds a running execution of the job (returned, or a conflict) before starting one.
      allow(["states:ListExecutions", "states:StartExecution"], [stateMachineArn]),
      allow(["states:DescribeExecution"], [executionsOf(stateMachineArn)]),
      // Refuses a jobName whose groups or job exist with another query, list or job settings.
      allow(["iot:DescribeThingGroup"], [iot(context).groups]),
      allow(["iot:DescribeJob", "iot:GetJobDocument"], [iot(context).jobs]),
      // Checks that the document exists and reads the whole list at the version it found.
      ...readPinnedLists(context),
    ];
  },
  "fill-exclude-group": (context) => [
    allow(["iot:CreateThingGroup", "iot:DescribeThingGroup"], [iot(context).groups]),
    allow(["iot:AddThingToThingGroup"], [iot(context).anyThing, iot(context).groups]),
    // A fill that ends incomplete deletes the group it created if it holds nobody.
    allow(["iot:ListThingsInThingGroup", "iot:DeleteThingGroup"], [iot(context).groups]),
    ...readPinnedLists(context),
    readQuotas(context),
  ],
  teardown: (context) => {
    const stateMachineArn = arnOf(context, TARGETED_JOB);
    return [
      // Stops the job's running executions before deleting what they build.
      allow(["states:ListExecutions"], [stateMachineArn]),
      allow(["states:StopExecution"], [executionsOf(stateMachineArn)]),
      allow(["iot:CancelJob", "iot:DeleteJob", "iot:DescribeJob"], [iot(context).jobs]),
      allow(
        ["iot:DescribeThingGroup", "iot:DeleteThingGroup", "iot:DeleteDynamicThingGroup"],
        [iot(context).groups],
      ),
      // Deleting the job's test things, only where the stack has test-fleet tools.
      ...(context.testFleetTools ? deleteThings(context) : []),
      readQuotas(context),
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
    // CreateJob authorizes on the job and on the resources the request names: its one target, the job's group.
    allow(["iot:CreateJob"], [iot(context).jobs, iot(context).groups]),
    allow(["iot:DescribeJob"], [iot(context).jobs]),
    // A documentSource in S3 is read with the caller's permissions.
    readLists(context),
  ],
  "fast-track": (context) => [
    allow(["iot:SearchIndex"], [iot(context).thingIndex]),
    allow(["iot:UpdateThingShadow"], [iot(context).anyThing]),
    ...readPinnedLists(context),
  ],
};
