// The Pulumi state of every fleet stack, in the account that holds it: a SecureBucket encrypted with a key of its
// own (used only through S3, per stack object: ../policies/state-access.ts), and grants for the environments
// deployed from other accounts. The stacks' secrets are not encrypted with this key but with each environment's
// own (EnvironmentRoles).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../../../src/aws-scope";
import { SecureBucket } from "../../../src/components/secure-bucket";
import type { HostedState } from "../config";
import { STATE_KEY_ALIAS } from "../naming";
import { stateBucketGrants, stateKeyPolicy } from "../policies/state-access";

/** `arn:<partition>:…` → the partition. */
function partitionOf(arn: string): string {
  const partition = arn.split(":")[1];
  if (!partition) throw new Error(`${arn} is not an ARN`);
  return partition;
}

export class StateBackend extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly keyArn: pulumi.Output<string>;

  constructor(name: string, args: HostedState, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:bootstrap:StateBackend", name, {}, opts);
    const scope = awsScope(this);
    const key = new aws.kms.Key(
      `${name}-key`,
      {
        description: "Pulumi state objects of the fleet stacks (S3 server-side encryption)",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: scope.apply((s) =>
          JSON.stringify(
            stateKeyPolicy(
              { partition: s.partition, accountId: s.accountId, region: s.region, bucket: args.bucket },
              args.sharedWith,
            ),
          ),
        ),
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${name}-key-alias`,
      { name: STATE_KEY_ALIAS, targetKeyId: key.keyId },
      { parent: this },
    );
    const bucket = new SecureBucket(
      `${name}-bucket`,
      {
        bucketName: args.bucket,
        kmsKeyArn: key.arn,
        noncurrentVersionDays: args.noncurrentVersionDays,
        grants: (bucketArn) =>
          stateBucketGrants({ partition: partitionOf(bucketArn), bucket: args.bucket }, args.sharedWith),
      },
      { parent: this },
    );
    this.bucketName = bucket.bucketName;
    this.keyArn = key.arn;
    this.registerOutputs({ bucketName: this.bucketName, keyArn: this.keyArn });
  }
}
