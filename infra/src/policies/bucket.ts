import { type PolicyDocument, policyDocument } from "./document";

/** Refuses every request to the bucket and its objects that does not arrive over TLS. */
export const tlsOnlyBucketPolicy = (bucketArn: string): PolicyDocument =>
  policyDocument([
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: { AWS: "*" },
      Action: ["s3:*"],
      Resource: [bucketArn, `${bucketArn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ]);
