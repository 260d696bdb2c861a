// Access to the Pulumi state (an S3 bucket, a DIY backend) and to the secrets key: a deploy role reads and writes
// its own stack's objects and encrypts and decrypts with the key; a preview role reads its stack's state and
// decrypts. Same account: the roles' own policies grant it. Other accounts: the bucket policy and the key policy
// must grant it too, to that account's role by ARN (in a condition: a principal ARN must exist when the policy
// is written, and the other account's roles may be created later).
import {
  allow,
  type PolicyDocument,
  type PolicyStatement,
  policyDocument,
} from "../../../src/policies/document";
import { BACKEND_META_KEY, deployRoleName, FLEET_PROJECT, previewRoleName, stackStateKeys } from "../naming";

export type StateAccess = "deploy" | "preview";

export interface StateLocation {
  partition: string;
  bucket: string;
  keyArn: string;
}

const KEY_ACTIONS: Record<StateAccess, string[]> = {
  // Secrets provider: encrypt and decrypt the stack's data key; SSE-KMS: write and read state objects.
  deploy: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
  preview: ["kms:Decrypt"],
};

/** The objects of `stack` a role may read, and those it may write (none for a preview). */
function stateObjects(bucketArn: string, stack: string, access: StateAccess) {
  const keys = stackStateKeys(FLEET_PROJECT, stack);
  const object = (key: string) => `${bucketArn}/${key}`;
  return access === "deploy"
    ? {
        read: [object(BACKEND_META_KEY), ...Object.values(keys).map(object)],
        write: Object.values(keys).map(object),
      }
    : { read: [object(BACKEND_META_KEY), object(keys.state)], write: [] };
}

const bucketArnOf = (location: Pick<StateLocation, "partition" | "bucket">) =>
  `arn:${location.partition}:s3:::${location.bucket}`;

/** What a role's own policy grants on the state of `stack`. */
export function stateStatements(
  location: StateLocation,
  stack: string,
  access: StateAccess,
): PolicyStatement[] {
  const bucketArn = bucketArnOf(location);
  const objects = stateObjects(bucketArn, stack, access);
  return [
    allow(["s3:ListBucket"], [bucketArn]),
    allow(["s3:GetObject"], objects.read),
    ...(objects.write.length > 0 ? [allow(["s3:DeleteObject", "s3:PutObject"], objects.write)] : []),
    allow(KEY_ACTIONS[access], [location.keyArn]),
  ];
}

/** The role of `access` for `environment` in `accountId`, as a principal condition. */
const crossAccount = (partition: string, accountId: string, environment: string, access: StateAccess) => ({
  Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
  Condition: {
    ArnEquals: {
      "aws:PrincipalArn": `arn:${partition}:iam::${accountId}:role/${(access === "deploy" ? deployRoleName : previewRoleName)(environment)}`,
    },
  },
});

const EACH_ACCESS: StateAccess[] = ["deploy", "preview"];

/** A statement id naming the role it grants to: `DeployStaging`, `PreviewProd`. */
const sidOf = (access: StateAccess, environment: string) =>
  `${access}-${environment}`.replace(/(^|-)(\w)/g, (_match, _dash, letter: string) => letter.toUpperCase());

/** Bucket policy statements letting other accounts' roles use their own stacks' state (environment → account). */
export function stateBucketGrants(
  location: Pick<StateLocation, "partition" | "bucket">,
  sharedWith: Record<string, string>,
): PolicyStatement[] {
  const bucketArn = bucketArnOf(location);
  return Object.entries(sharedWith).flatMap(([environment, accountId]) =>
    EACH_ACCESS.flatMap((access) => {
      const principal = crossAccount(location.partition, accountId, environment, access);
      const objects = stateObjects(bucketArn, environment, access);
      const sid = sidOf(access, environment);
      return [
        {
          Sid: `${sid}List`,
          Effect: "Allow" as const,
          ...principal,
          Action: ["s3:ListBucket"],
          Resource: [bucketArn],
        },
        {
          Sid: `${sid}Read`,
          Effect: "Allow" as const,
          ...principal,
          Action: ["s3:GetObject"],
          Resource: objects.read,
        },
        ...(objects.write.length > 0
          ? [
              {
                Sid: `${sid}Write`,
                Effect: "Allow" as const,
                ...principal,
                Action: ["s3:DeleteObject", "s3:PutObject"],
                Resource: objects.write,
              },
            ]
          : []),
      ];
    }),
  );
}

/**
 * Administration of the key stays with this account's IAM (its root principal: IAM policies decide who). Listed
 * actions rather than `kms:*`; PutKeyPolicy among them, so an administrator can always change this policy.
 */
const KEY_ADMINISTRATION = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:Decrypt",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
];

/** The secrets key's policy: this account administers it; other accounts' roles use it for their stacks. */
export function secretsKeyPolicy(
  partition: string,
  accountId: string,
  sharedWith: Record<string, string>,
): PolicyDocument {
  return policyDocument([
    {
      Sid: "ThisAccountAdministers",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
      Action: KEY_ADMINISTRATION,
      Resource: ["*"],
    },
    ...Object.entries(sharedWith).flatMap(([environment, otherAccount]) =>
      EACH_ACCESS.map((access) => ({
        Sid: sidOf(access, environment),
        Effect: "Allow" as const,
        ...crossAccount(partition, otherAccount, environment, access),
        Action: KEY_ACTIONS[access],
        // In a key policy, "*" is the key itself.
        Resource: ["*"],
      })),
    ),
  ]);
}
