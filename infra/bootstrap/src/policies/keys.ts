// The KMS keys' policies. Each environment's secrets key (Pulumi's secrets provider for that stack: it encrypts
// the stack's data key, committed in Pulumi.<stack>.yaml, and so every secret in its config and state) lives in
// the environment's own account and is used by that environment's deploy and preview roles alone - no other
// environment's role, and no administrator of the account holding the state, can decrypt it. Administration stays
// with the account's IAM, without use: an administrator may encrypt (create the stack's data key) but not decrypt.
import {
  allow,
  type PolicyDocument,
  type PolicyStatement,
  policyDocument,
} from "../../../src/policies/document";
import { deployRoleName, previewRoleName } from "../naming";
import type { StateAccess } from "./state-access";

/**
 * Administration of a key by its account's IAM (its root principal: IAM policies decide who). Listed actions rather
 * than `kms:*`, and none that uses the key; PutKeyPolicy among them, so an administrator can always change the
 * policy (deliberately, in CloudTrail).
 */
export const KEY_ADMINISTRATION = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
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

/** Pulumi's awskms secrets provider: Encrypt makes a stack's data key, Decrypt reads it back. */
const SECRETS_KEY_ACTIONS: Record<StateAccess, string[]> = {
  deploy: ["kms:Decrypt", "kms:Encrypt"],
  preview: ["kms:Decrypt"],
};

/** What a CI role's own policy grants on its environment's secrets key. */
export const secretsKeyStatements = (keyArn: string, access: StateAccess): PolicyStatement[] => [
  allow(SECRETS_KEY_ACTIONS[access], [keyArn]),
];

/** The policy of `environment`'s secrets key in `accountId`. */
export function secretsKeyPolicy(partition: string, accountId: string, environment: string): PolicyDocument {
  const root = { AWS: `arn:${partition}:iam::${accountId}:root` };
  const role = (name: string) => ({
    ArnEquals: { "aws:PrincipalArn": `arn:${partition}:iam::${accountId}:role/${name}` },
  });
  return policyDocument([
    {
      Sid: "ThisAccountAdministers",
      Effect: "Allow",
      Principal: root,
      Action: KEY_ADMINISTRATION,
      Resource: ["*"],
    },
    // `pulumi stack init --secrets-provider` by an administrator encrypts the new stack's data key; nothing more.
    {
      Sid: "ThisAccountInitializes",
      Effect: "Allow",
      Principal: root,
      Action: ["kms:Encrypt"],
      Resource: ["*"],
    },
    ...(["deploy", "preview"] as const).map((access) => ({
      Sid: access === "deploy" ? "DeployRole" : "PreviewRole",
      Effect: "Allow" as const,
      Principal: root,
      Action: SECRETS_KEY_ACTIONS[access],
      // In a key policy, "*" is the key itself.
      Resource: ["*"],
      Condition: role((access === "deploy" ? deployRoleName : previewRoleName)(environment)),
    })),
  ]);
}
