// The Pulumi state of every fleet stack and the key its secrets are encrypted with, in the account that holds
// them: a SecureBucket encrypted with that key, and grants for the environments deployed from other accounts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../../../src/aws-scope";
import { SecureBucket } from "../../../src/components/secure-bucket";
import type { HostedState } from "../config";
import { secretsKeyPolicy, stateBucketGrants } from "../policies/state-access";

/** The alias `pulumi stack init --secrets-provider` can name in this account (other accounts need the ARN). */
export const SECRETS_KEY_ALIAS = "alias/fleet-pulumi-secrets";

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
      `${name}-secrets`,
      {
        description: "Pulumi secrets and state objects of the fleet stacks",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: scope.apply((s) =>
          JSON.stringify(secretsKeyPolicy(s.partition, s.accountId, args.sharedWith)),
        ),
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${name}-secrets-alias`,
      { name: SECRETS_KEY_ALIAS, targetKeyId: key.keyId },
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
