// An S3 bucket as every domain (and the Pulumi state) needs one: encrypted, versioned, private, TLS-only, old
// versions expiring.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "../policies/bucket";
import { type PolicyStatement, policyDocument } from "../policies/document";

export interface SecureBucketArgs {
  /** Days a replaced or deleted object version is kept before it expires (default 30). */
  noncurrentVersionDays?: number;
  /** Days before a current object expires (becomes a noncurrent version); default: never. */
  expireAfterDays?: number;
  /** The bucket's name, where others must know it in advance (default: generated from the resource name). */
  bucketName?: string;
  /**
   * Encrypts with this KMS key instead of S3-managed keys, without S3 Bucket Keys: each object's ARN is then the
   * encryption context, which the key's policy can limit a role to (with a Bucket Key it is the bucket's).
   */
  kmsKeyArn?: pulumi.Input<string>;
  /** Statements the bucket policy grants besides the TLS-only Deny, from the bucket's ARN (cross-account access). */
  grants?: (bucketArn: string) => PolicyStatement[];
}

export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly arn: pulumi.Output<string>;
  public readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: SecureBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:SecureBucket", name, {}, opts);
    const { noncurrentVersionDays = 30, expireAfterDays, bucketName, kmsKeyArn, grants = () => [] } = args;
    for (const [key, days] of Object.entries({ noncurrentVersionDays, expireAfterDays })) {
      if (days !== undefined && (!Number.isInteger(days) || days < 1))
        throw new Error(`SecureBucket ${name}: ${key} must be a positive integer, got ${days}`);
    }
    const parent = { parent: this };

    this.bucket = new aws.s3.Bucket(name, bucketName ? { bucket: bucketName } : {}, parent);
    const bucket = this.bucket.id;
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket,
        rules: [
          kmsKeyArn
            ? {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
                bucketKeyEnabled: false,
              }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      parent,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket,
        rules: [
          {
            id: "expire-old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: noncurrentVersionDays },
            // S3 takes one or the other; with Days it removes expired delete markers once they are that old.
            expiration:
              expireAfterDays === undefined ? { expiredObjectDeleteMarker: true } : { days: expireAfterDays },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this, dependsOn: [versioning] },
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket,
        policy: this.bucket.arn.apply((arn) =>
          JSON.stringify(policyDocument([...tlsOnlyBucketPolicy(arn).Statement, ...grants(arn)])),
        ),
      },
      // S3 rejects bucket policies while the account-level defaults are still being replaced by this block.
      { parent: this, dependsOn: [publicAccess] },
    );

    this.arn = this.bucket.arn;
    this.bucketName = this.bucket.bucket;
    this.registerOutputs({ arn: this.arn, bucketName: this.bucketName });
  }
}
