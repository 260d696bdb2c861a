// The resources a package owns, from its manifest: what each kind is on AWS, with the protections every
// one of that kind gets. A handler's variable carrying one holds `value` (see @fleet/manifest ResourceSpec).
import {
  type PackageManifest,
  QUEUE_RETENTION_SECONDS,
  type ResourceSpec,
  resourcesInCreationOrder,
  TOPIC_KMS_KEY,
} from "@fleet/manifest";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type AwsScope, regionalArn } from "../policies/document";
import { RESOURCE_KINDS } from "../resource-kinds";
import { generatedNameProblem } from "./generated-names";
import { SecureBucket } from "./secure-bucket";

export interface PackageResourceRef {
  /** What a variable carrying the resource holds: a bucket's or table's name, a topic's ARN, a queue's URL. */
  value: pulumi.Output<string>;
  arn: pulumi.Output<string>;
}

/**
 * Creates every resource the package owns, named `<prefix>-<resource>`, each after those it refers to; refuses
 * up front, before any exists, a name whose generated form AWS would refuse for its kind.
 */
export function createPackageResources(
  prefix: string,
  manifest: PackageManifest,
  parent: pulumi.Resource,
  bucketExpiryDays: Record<string, number> = {},
  bucketNoncurrentVersionDays: Record<string, number> = {},
): Map<string, PackageResourceRef> {
  const tooLong = Object.entries(manifest.resources).flatMap(([name, { kind }]) => {
    const problem = generatedNameProblem(`${prefix}-${name}`, kind, RESOURCE_KINDS[kind].maxNameLength);
    return problem ? [problem] : [];
  });
  if (tooLong.length > 0) throw new Error(`${manifest.name}: ${tooLong.join("; ")}`);
  const created = new Map<string, PackageResourceRef>();
  const createdBefore = (name: string): PackageResourceRef => {
    const ref = created.get(name);
    if (!ref) throw new Error(`${manifest.name}: ${name} was not created before a resource referring to it`);
    return ref;
  };
  for (const [name, spec] of resourcesInCreationOrder(manifest)) {
    created.set(
      name,
      createPackageResource(`${prefix}-${name}`, spec, parent, createdBefore, {
        expireAfterDays: bucketExpiryDays[name],
        noncurrentVersionDays: bucketNoncurrentVersionDays[name],
      }),
    );
  }
  return created;
}

function createPackageResource(
  name: string,
  spec: ResourceSpec,
  parent: pulumi.Resource,
  createdBefore: (resource: string) => PackageResourceRef,
  days: { expireAfterDays?: number | undefined; noncurrentVersionDays?: number | undefined } = {},
): PackageResourceRef {
  switch (spec.kind) {
    case "bucket": {
      const bucket = new SecureBucket(
        name,
        {
          ...(days.expireAfterDays ? { expireAfterDays: days.expireAfterDays } : {}),
          ...(days.noncurrentVersionDays ? { noncurrentVersionDays: days.noncurrentVersionDays } : {}),
        },
        { parent },
      );
      return { value: bucket.bucketName, arn: bucket.arn };
    }
    case "table": {
      const keys = [spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])];
      const table = new aws.dynamodb.Table(
        name,
        {
          billingMode: "PAY_PER_REQUEST",
          hashKey: spec.partitionKey,
          ...(spec.sortKey ? { rangeKey: spec.sortKey } : {}),
          attributes: keys.map((key) => ({ name: key, type: "S" })),
          // Encrypted under the account's AWS-managed key (not only AWS-owned), and restorable to any second.
          serverSideEncryption: { enabled: true },
          pointInTimeRecovery: { enabled: true },
          ...(spec.ttlAttribute ? { ttl: { attributeName: spec.ttlAttribute, enabled: true } } : {}),
        },
        { parent },
      );
      return { value: table.name, arn: table.arn };
    }
    case "topic": {
      // The AWS-managed key's policy lets the account's publishers use it through SNS, with no KMS grant.
      const topic = new aws.sns.Topic(name, { kmsMasterKeyId: TOPIC_KMS_KEY }, { parent });
      return { value: topic.arn, arn: topic.arn };
    }
    case "queue": {
      const { deadLetter } = spec;
      const queue = new aws.sqs.Queue(
        name,
        {
          sqsManagedSseEnabled: true,
          // A consumer that stalls, or a dead-letter queue nobody reads yet, loses no message.
          messageRetentionSeconds: QUEUE_RETENTION_SECONDS,
          ...(deadLetter
            ? {
                redrivePolicy: pulumi.jsonStringify({
                  deadLetterTargetArn: createdBefore(deadLetter.queue).arn,
                  maxReceiveCount: deadLetter.maxReceives,
                }),
              }
            : {}),
        },
        { parent },
      );
      return { value: queue.url, arn: queue.arn };
    }
  }
}

/** The shape of the ARN a resource of `kind` gets (a state machine's too), for checking statements before any exists. */
export function arnShape(
  kind: ResourceSpec["kind"] | "state-machine",
  name: string,
  scope: AwsScope,
): string {
  return kind === "state-machine"
    ? regionalArn(scope, "states", `stateMachine:${name}`)
    : RESOURCE_KINDS[kind].arn(scope, name);
}
