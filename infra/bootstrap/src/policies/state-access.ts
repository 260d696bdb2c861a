// Access to the Pulumi state (an S3 bucket, a DIY backend, encrypted with its own KMS key): a deploy role reads and
// writes its own stack's objects, a preview role reads its stack's state, each using the bucket's key only
// through S3 and only for those objects (S3 passes the object's ARN as encryption context). Same account: the
// roles' own policies grant it. Other accounts: the bucket policy and the key policy must grant it too, to that
// account's role by ARN (in a condition: a principal ARN must exist when the policy is written, and the other
// account's roles may be created later). The secrets in the state are encrypted with each environment's own key
// (keys.ts), which no other environment's role can use.
import {
  allow,
  type PolicyDocument,
  type PolicyStatement,
  policyDocument,
} from "../../../src/policies/document";
import { BACKEND_META_KEY, deployRoleName, FLEET_PROJECT, previewRoleName, stackStateKeys } from "../naming";
import { KEY_ADMINISTRATION } from "./keys";

export type StateAccess = "deploy" | "preview";

export interface StateLocation {
  partition: string;
  bucket: string;
  /** The bucket's encryption key (output stateBackend.keyArn of the account holding the state). */
  keyArn: string;
}

/** What S3 asks of the bucket's key on a role's behalf: decrypting objects it reads, a data key for those it writes. */
const STATE_KEY_ACTIONS: Record<StateAccess, string[]> = {
  deploy: ["kms:Decrypt", "kms:GenerateDataKey"],
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

/** `arn:<partition>:kms:<region>:…` → the region. */
const regionOf = (keyArn: string) => {
  const region = keyArn.split(":")[3];
  if (!region) throw new Error(`${keyArn} is not a regional ARN`);
  return region;
};

/** The key used only by S3 in the bucket's region, and only for `objects` (their ARNs are the encryption context). */
const throughS3 = (region: string, objects: string[]) => ({
  StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` },
  StringLike: { "kms:EncryptionContext:aws:s3:arn": objects },
});

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
    {
      ...allow(STATE_KEY_ACTIONS[access], [location.keyArn]),
      Condition: throughS3(regionOf(location.keyArn), objects.read),
    },
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
 * The state key's policy. This account's IAM administers it, and uses it through S3 for the bucket's objects: its
 * administrators own the bucket, initialize the stacks and keep the bootstrap stacks' state there (IAM policies
 * decide who; this account's CI roles get their own stack's objects only). Other accounts' roles use it through
 * S3 for their own stack's objects. Nobody uses it outside S3.
 */
export function stateKeyPolicy(
  location: Pick<StateLocation, "partition" | "bucket"> & { accountId: string; region: string },
  sharedWith: Record<string, string>,
): PolicyDocument {
  const { partition, accountId, region } = location;
  const bucketArn = bucketArnOf(location);
  return policyDocument([
    {
      Sid: "ThisAccountAdministers",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
      Action: KEY_ADMINISTRATION,
      Resource: ["*"],
    },
    {
      Sid: "ThisAccountThroughS3",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: ["*"],
      Condition: throughS3(region, [`${bucketArn}/*`]),
    },
    ...Object.entries(sharedWith).flatMap(([environment, otherAccount]) =>
      EACH_ACCESS.map((access) => {
        const { Principal, Condition } = crossAccount(partition, otherAccount, environment, access);
        return {
          Sid: sidOf(access, environment),
          Effect: "Allow" as const,
          Principal,
          Action: STATE_KEY_ACTIONS[access],
          // In a key policy, "*" is the key itself.
          Resource: ["*"],
          Condition: {
            ...Condition,
            ...throughS3(region, stateObjects(bucketArn, environment, access).read),
          },
        };
      }),
    ),
  ]);
}
