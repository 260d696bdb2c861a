// The resources a package owns, from its manifest: what each kind is on AWS, with the protections every
// one of that kind gets. A handler's variable carrying one holds `value` (see @fleet/manifest ResourceSpec).
import type { ResourceSpec } from "@fleet/manifest";
import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { type AwsScope, regionalArn } from "../policies/document";
import { SecureBucket } from "./secure-bucket";

export interface PackageResourceRef {
  /** What a variable carrying the resource holds: a bucket's or table's name. */
  value: pulumi.Output<string>;
  arn: pulumi.Output<string>;
}

export function createPackageResource(
  name: string,
  spec: ResourceSpec,
  parent: pulumi.Resource,
): PackageResourceRef {
  switch (spec.kind) {
    case "bucket": {
      const bucket = new SecureBucket(name, {}, { parent });
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
        },
        { parent },
      );
      return { value: table.name, arn: table.arn };
    }
  }
}

/** The shape of the ARN a resource of `kind` gets (a state machine's too), for checking statements before any exists. */
export function arnShape(
  kind: ResourceSpec["kind"] | "state-machine",
  name: string,
  scope: AwsScope,
): string {
  switch (kind) {
    case "bucket":
      return `arn:${scope.partition}:s3:::${name}`;
    case "table":
      return regionalArn(scope, "dynamodb", `table/${name}`);
    case "state-machine":
      return regionalArn(scope, "states", `stateMachine:${name}`);
  }
}
