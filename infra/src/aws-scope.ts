import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsScope } from "./policies/document";

/** The partition, region and account of the provider `parent` deploys with: what every ARN is built from. */
export function awsScope(parent: pulumi.Resource): pulumi.Output<AwsScope> {
  const opts = { parent };
  return pulumi
    .all([
      aws.getPartitionOutput({}, opts),
      aws.getRegionOutput({}, opts),
      aws.getCallerIdentityOutput({}, opts),
    ])
    .apply(([partition, region, identity]) => ({
      partition: partition.partition,
      region: region.region,
      accountId: identity.accountId,
    }));
}
