// The fleet's floor as CrossGuard policies: what every stack keeps, checked in every `pulumi preview` and
// `pulumi up` (index.ts serves them to the CLI) and by the mock tests (evaluate.ts runs them offline). All
// mandatory: a violation fails the preview or stops the update.
import * as aws from "@pulumi/aws";
import type {
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { validateResourceOfType } from "@pulumi/policy";
import { statementsOf } from "./rules/documents";
import {
  publicGrantProblems,
  resourceArnProblems,
  starResourceProblems,
  trustPolicyProblems,
  wildcardActionProblems,
} from "./rules/iam";
import { known, referenced } from "./rules/references";

/** The Lambda Node.js runtimes AWS supports (not deprecated) and this project builds for. */
export const SUPPORTED_NODE_RUNTIMES = ["nodejs22.x", "nodejs24.x"] as const;

const report = (reportViolation: ReportViolation, problems: string[], context?: string) => {
  for (const problem of problems) reportViolation(context ? `${context}: ${problem}` : problem);
};
/** The region of the resource's AWS provider, where the engine passes it. */
const regionOf = (args: ResourceValidationArgs): string | undefined => {
  const region = args.provider?.props?.region;
  return typeof region === "string" ? region : undefined;
};
type ResourceClass = Parameters<PolicyResource["isType"]>[0];
const resourcesOf = (resources: PolicyResource[], resourceClass: ResourceClass) =>
  resources.filter((r) => r.isType(resourceClass));

export const noWildcardActions: ResourceValidationPolicy = {
  name: "iam-no-wildcard-actions",
  description:
    "IAM policies name every action they allow: no `*`, `service:*`, partial wildcards or NotAction.",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.iam.RolePolicy, (policy, _args, reportViolation) =>
      report(reportViolation, wildcardActionProblems(policy.policy)),
    ),
    validateResourceOfType(aws.iam.Policy, (policy, _args, reportViolation) =>
      report(reportViolation, wildcardActionProblems(policy.policy)),
    ),
    validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) => {
      report(reportViolation, wildcardActionProblems(role.assumeRolePolicy), "trust policy");
      for (const inline of role.inlinePolicies ?? []) {
        if (inline.policy)
          report(reportViolation, wildcardActionProblems(inline.policy), `inline policy ${inline.name}`);
      }
    }),
    validateResourceOfType(aws.s3.BucketPolicy, (policy, _args, reportViolation) =>
      report(reportViolation, wildcardActionProblems(policy.policy)),
    ),
    validateResourceOfType(aws.kms.Key, (key, _args, reportViolation) => {
      if (key.policy) report(reportViolation, wildcardActionProblems(key.policy));
    }),
  ],
};

/** The identity policies of a resource: a role or group policy, a managed policy, a role's inline policies. */
const identityPolicyChecks = (
  check: (document: unknown, args: ResourceValidationArgs) => string[],
): ResourceValidationPolicy["validateResource"] => [
  validateResourceOfType(aws.iam.RolePolicy, (policy, args, reportViolation) =>
    report(reportViolation, check(policy.policy, args)),
  ),
  validateResourceOfType(aws.iam.Policy, (policy, args, reportViolation) =>
    report(reportViolation, check(policy.policy, args)),
  ),
  validateResourceOfType(aws.iam.Role, (role, args, reportViolation) => {
    for (const inline of role.inlinePolicies ?? []) {
      if (inline.policy) report(reportViolation, check(inline.policy, args), `inline policy ${inline.name}`);
    }
  }),
];

export const starResourceOnlyWithoutResourceType: ResourceValidationPolicy = {
  name: "iam-star-resource-only-without-resource-type",
  description:
    "IAM policies grant on `*` only actions whose service defines no resource type, pinned to the stack's region.",
  enforcementLevel: "mandatory",
  validateResource: identityPolicyChecks((document, args) => starResourceProblems(document, regionOf(args))),
};

export const arnsScoped: ResourceValidationPolicy = {
  name: "iam-arns-name-partition-region-account-and-type",
  description:
    "IAM policies grant on ARNs of one partition, the stack's region, one account and a resource type, never a wildcard bucket, partition or account.",
  enforcementLevel: "mandatory",
  validateResource: identityPolicyChecks((document, args) =>
    resourceArnProblems(document, { region: regionOf(args) }),
  ),
};

export const trustedPrincipals: ResourceValidationPolicy = {
  name: "iam-trusted-principals",
  description:
    "Roles are assumable only by AWS services or web identities pinned to an audience and a subject, never by `*` or an account; no bucket or key policy allows everyone.",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) =>
      report(reportViolation, trustPolicyProblems(role.assumeRolePolicy), "trust policy"),
    ),
    validateResourceOfType(aws.s3.BucketPolicy, (policy, _args, reportViolation) =>
      report(reportViolation, publicGrantProblems(policy.policy)),
    ),
    validateResourceOfType(aws.kms.Key, (key, _args, reportViolation) => {
      if (key.policy) report(reportViolation, publicGrantProblems(key.policy));
    }),
  ],
};

/** Attaching a managed policy (AdministratorAccess, say) grants what no statement of the stack shows. */
const attaches = (policyArn: string) =>
  `attaches the managed policy ${policyArn}: grant what is needed in an inline policy the pack can read`;

export const noManagedPolicyAttachments: ResourceValidationPolicy = {
  name: "iam-no-managed-policy-attachments",
  description:
    "No managed policy is attached to a role, user or group: every grant is a statement of the stack, held to the rules above.",
  enforcementLevel: "mandatory",
  validateResource: [
    validateResourceOfType(aws.iam.RolePolicyAttachment, (attachment, _args, reportViolation) =>
      reportViolation(attaches(attachment.policyArn)),
    ),
    validateResourceOfType(aws.iam.UserPolicyAttachment, (attachment, _args, reportViolation) =>
      reportViolation(attaches(attachment.policyArn)),
    ),
    validateResourceOfType(aws.iam.GroupPolicyAttachment, (attachment, _args, reportViolation) =>
      reportViolation(attaches(attachment.policyArn)),
    ),
    validateResourceOfType(aws.iam.PolicyAttachment, (attachment, _args, reportViolation) =>
      reportViolation(attaches(attachment.policyArn)),
    ),
    validateResourceOfType(aws.iam.RolePolicyAttachmentsExclusive, (attachments, _args, reportViolation) => {
      for (const policyArn of attachments.policyArns ?? []) reportViolation(attaches(policyArn));
    }),
    validateResourceOfType(aws.iam.Role, (role, _args, reportViolation) => {
      for (const policyArn of role.managedPolicyArns ?? []) reportViolation(attaches(policyArn));
    }),
  ],
};

export const logGroupsRetained: ResourceValidationPolicy = {
  name: "log-groups-retained",
  description: "Every CloudWatch log group has a retention period; none keeps its events forever.",
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.cloudwatch.LogGroup, (group, _args, reportViolation) => {
    const days = group.retentionInDays;
    if (!(typeof days === "number" && Number.isInteger(days) && days > 0)) {
      reportViolation(`retentionInDays is ${JSON.stringify(days)}: set the days CloudWatch keeps its events`);
    }
  }),
};

export const functionsOnArm64CurrentNode: ResourceValidationPolicy = {
  name: "lambda-arm64-supported-node",
  description: `Every Lambda function runs on arm64 with a supported Node.js runtime (${SUPPORTED_NODE_RUNTIMES.join(", ")}).`,
  enforcementLevel: "mandatory",
  validateResource: validateResourceOfType(aws.lambda.Function, (fn, _args, reportViolation) => {
    if (!(SUPPORTED_NODE_RUNTIMES as readonly string[]).includes(String(fn.runtime))) {
      reportViolation(
        `runtime is ${JSON.stringify(fn.runtime)}, not one of ${SUPPORTED_NODE_RUNTIMES.join(", ")}`,
      );
    }
    if (JSON.stringify(fn.architectures) !== JSON.stringify(["arm64"])) {
      reportViolation(`architectures are ${JSON.stringify(fn.architectures ?? ["x86_64"])}, not ["arm64"]`);
    }
  }),
};

/** Configurations of a bucket, by the resource that holds each: they refer to the bucket by its name. */
const bucketConfigurations = (bucket: PolicyResource, resources: PolicyResource[]) => {
  const of = (resourceClass: ResourceClass) =>
    resourcesOf(resources, resourceClass).filter(
      (config) =>
        referenced(
          config,
          "bucket",
          [bucket],
          (props) => props.bucket,
          (b) => b.props.bucket,
        ).length > 0,
    );
  return {
    encryption: of(aws.s3.BucketServerSideEncryptionConfiguration),
    versioning: of(aws.s3.BucketVersioning),
    publicAccess: of(aws.s3.BucketPublicAccessBlock),
    policy: of(aws.s3.BucketPolicy),
  };
};

const PUBLIC_ACCESS_SETTINGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
];

/** Every way `bucket` falls short of encrypted, versioned, private and TLS-only. */
function bucketProblems(bucket: PolicyResource, resources: PolicyResource[]): string[] {
  const configs = bucketConfigurations(bucket, resources);
  const problems: string[] = [];
  const encrypted = configs.encryption.some((config) =>
    (
      (config.props.rules ?? []) as Array<{ applyServerSideEncryptionByDefault?: { sseAlgorithm?: string } }>
    ).some((rule) =>
      ["AES256", "aws:kms", "aws:kms:dsse"].includes(
        String(rule.applyServerSideEncryptionByDefault?.sseAlgorithm),
      ),
    ),
  );
  if (!encrypted) problems.push("has no default encryption (BucketServerSideEncryptionConfiguration)");
  if (!configs.versioning.some((config) => config.props.versioningConfiguration?.status === "Enabled")) {
    problems.push("is not versioned (BucketVersioning with status Enabled)");
  }
  if (
    !configs.publicAccess.some((config) =>
      PUBLIC_ACCESS_SETTINGS.every((setting) => config.props[setting] === true),
    )
  ) {
    problems.push(
      `does not block public access (BucketPublicAccessBlock with ${PUBLIC_ACCESS_SETTINGS.join(", ")})`,
    );
  }
  // A new bucket's ARN, and so its policy document, is not known in a preview: its document is held to the rule
  // when known (previews of existing buckets, `pulumi up`), while the policy's existence is checked in every preview.
  const arn = known(() => bucket.props.arn as string | undefined);
  const documents = configs.policy.map((config) => known(() => config.props.policy));
  const tlsOnly = documents.some(
    (document) =>
      document === undefined ||
      (statementsOf(document) ?? []).some(
        (s) =>
          s.Effect === "Deny" &&
          s.Action.includes("s3:*") &&
          String(s.Condition?.Bool?.["aws:SecureTransport"]) === "false" &&
          (arn === undefined || (s.Resource.includes(arn) && s.Resource.includes(`${arn}/*`))),
      ),
  );
  if (!tlsOnly) {
    problems.push(
      "accepts requests without TLS (a bucket policy denying s3:* on it and its objects when aws:SecureTransport is false)",
    );
  }
  return problems;
}

export const bucketsSecure: StackValidationPolicy = {
  name: "s3-buckets-encrypted-versioned-private-tls-only",
  description:
    "Every S3 bucket is encrypted by default, versioned, blocks public access and refuses requests without TLS.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    for (const bucket of resourcesOf(args.resources, aws.s3.Bucket)) {
      for (const problem of bucketProblems(bucket, args.resources))
        reportViolation(`bucket ${bucket.name} ${problem}`, bucket.urn);
    }
  },
};

export const functionsLogToRetainedGroups: StackValidationPolicy = {
  name: "lambda-logs-to-stack-log-group",
  description:
    "Every Lambda function logs to a log group of the stack (which has a retention), not one Lambda would create without.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const groups = resourcesOf(args.resources, aws.cloudwatch.LogGroup);
    for (const fn of resourcesOf(args.resources, aws.lambda.Function)) {
      const configuredName = known(
        () => (fn.props.loggingConfig as { logGroup?: string } | undefined)?.logGroup,
      );
      const configured = referenced(
        fn,
        "loggingConfig",
        groups,
        () => configuredName,
        (group) => group.props.name,
      );
      // Without a configured group, Lambda writes to /aws/lambda/<function name>: the stack may create that one.
      const usesDefault =
        (fn.propertyDependencies?.loggingConfig ?? []).length === 0 && configuredName === undefined;
      const defaultGroup = groups.some(
        (group) => known(() => group.props.name) === `/aws/lambda/${known(() => fn.props.name)}`,
      );
      if (configured.length === 0 && !(usesDefault && defaultGroup)) {
        reportViolation(
          `function ${fn.name} logs to a group this stack does not create: Lambda would create one that keeps its events forever`,
          fn.urn,
        );
      }
    }
  },
};

export const functionsOwnRoles: StackValidationPolicy = {
  name: "lambda-own-role",
  description:
    "Every Lambda function has its own role, created by the stack and used by no other function or state machine.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const roles = resourcesOf(args.resources, aws.iam.Role);
    const arnOf = (role: PolicyResource) => role.props.arn;
    const users = new Map<string, string[]>();
    const use = (user: PolicyResource, property: string) => {
      const role = referenced(user, property, roles, (props) => props[property], arnOf)[0];
      if (role) users.set(role.urn, [...(users.get(role.urn) ?? []), user.name]);
      return role;
    };
    for (const machine of resourcesOf(args.resources, aws.sfn.StateMachine)) use(machine, "roleArn");
    const functions = resourcesOf(args.resources, aws.lambda.Function);
    const roleOf = new Map(functions.map((fn) => [fn, use(fn, "role")]));
    for (const [fn, role] of roleOf) {
      if (!role) {
        reportViolation(`function ${fn.name} runs with a role this stack does not create`, fn.urn);
        continue;
      }
      const others = (users.get(role.urn) ?? []).filter((name) => name !== fn.name);
      if (others.length > 0) {
        reportViolation(`function ${fn.name} shares its role ${role.name} with ${others.join(", ")}`, fn.urn);
      }
    }
  },
};

/** The pack, in the order the CLI reports it. */
export const FLEET_POLICIES: Policies = [
  noWildcardActions,
  starResourceOnlyWithoutResourceType,
  arnsScoped,
  trustedPrincipals,
  noManagedPolicyAttachments,
  bucketsSecure,
  logGroupsRetained,
  functionsLogToRetainedGroups,
  functionsOnArm64CurrentNode,
  functionsOwnRoles,
];
