// Least privilege for each retry-workflow handler, derived from the AWS calls its code makes. Devices are the
// account's things (`thing/*`: a failing device can be any device); the quarantine group is named with the
// stack's group prefix (its handlers refuse another at cold start). The tables, topic, queue and state machine
// are the package's own, named as in its manifest: a handler's statements can refer to them only where its
// manifest entry uses them.
import { allow, arnOf, executionsOf, type PermissionContext, type PolicyStatement } from "./document";
import { iotResources } from "./iot-naming";

const RETRIES = "retries";
const BACKUPS = "backups";

const iot = (context: PermissionContext) => iotResources(context.scope, context.iot);
/** Conditional updates of a record, which answer with the record (and reads of it). */
const records = (context: PermissionContext) =>
  allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [arnOf(context, RETRIES)]);
/** The operator handlers that only show records read them. */
const readRecords = (context: PermissionContext) => allow(["dynamodb:GetItem"], [arnOf(context, RETRIES)]);
const readBackups = (context: PermissionContext) => allow(["dynamodb:GetItem"], [arnOf(context, BACKUPS)]);
const writeAttributes = (context: PermissionContext) => allow(["iot:UpdateThing"], [iot(context).anyThing]);

export const RETRY_WORKFLOW_PERMISSIONS: Record<string, (context: PermissionContext) => PolicyStatement[]> = {
  "record-outcome": (context) => {
    const escalation = arnOf(context, "escalation");
    return [
      records(context),
      // The first failure of a cycle backs up the registry's attributes (a device unknown there is refused).
      allow(["dynamodb:PutItem"], [arnOf(context, BACKUPS)]),
      allow(["iot:DescribeThing"], [iot(context).anyThing]),
      // One execution per claimed escalation, by a name derived from the device and its epoch; a taken name is
      // described to tell this escalation from an older one of the same name.
      allow(["states:StartExecution"], [escalation]),
      allow(["states:DescribeExecution"], [executionsOf(escalation)]),
      // Consuming the rules' queue through the function's event source mapping.
      allow(
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
        [arnOf(context, "outcomes")],
      ),
    ];
  },
  "move-attributes": (context) => [records(context), writeAttributes(context)],
  "restore-attributes": (context) => [records(context), readBackups(context), writeAttributes(context)],
  quarantine: (context) => [
    records(context),
    allow(["iot:CreateThingGroup", "iot:AddThingToThingGroup"], [iot(context).groups]),
    allow(["iot:AddThingToThingGroup"], [iot(context).anyThing]),
  ],
  notify: (context) => [
    records(context),
    readBackups(context),
    allow(["sns:Publish"], [arnOf(context, "notifications")]),
  ],
  "escalation-failed": (context) => [records(context)],
  "list-quarantined": (context) => [
    readRecords(context),
    allow(["iot:ListThingsInThingGroup"], [iot(context).groups]),
  ],
  release: (context) => [
    records(context),
    readBackups(context),
    // An attribute the registry shows at a moved-out value is restored even if no record says it was moved.
    allow(["iot:DescribeThing"], [iot(context).anyThing]),
    writeAttributes(context),
    allow(["iot:RemoveThingFromThingGroup"], [iot(context).groups, iot(context).anyThing]),
  ],
  "device-history": (context) => [readRecords(context), readBackups(context)],
};
