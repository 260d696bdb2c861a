// Least privilege in IAM documents: no wildcard action (in identity and resource policies alike), `*` as a
// resource only for the actions whose service defines no resource type - `*` is then the only resource that
// works - pinned to the stack's region, every other resource an ARN of one partition, region, account and resource
// type; roles trusted only by AWS services or pinned web identities; no resource policy open to everyone. Pure
// functions of a document: the policies of the pack report what they return, and the mock tests call them directly.
import { type Statement, statementsOf } from "./documents";

/**
 * The only actions allowed on resource `*`, each because the Service Authorization Reference defines no
 * resource type for it. The mock tests assert each is in use, so the list cannot grow stale.
 */
export const WILDCARD_RESOURCE_ACTIONS: Readonly<Record<string, string>> = {
  "iot:ListThings": "AWS IoT defines no resource type for listing the registry (seed-things, teardown)",
  "servicequotas:GetServiceQuota":
    "Service Quotas defines no resource type for reading an applied quota (paced steps bound their rate by it)",
  "iot:GetIndexingConfiguration":
    "fleet indexing is one account-wide setting without a resource type (ensure-indexing)",
  "iot:UpdateIndexingConfiguration":
    "fleet indexing is one account-wide setting without a resource type (ensure-indexing)",
  "kms:CreateKey":
    "KMS defines no resource type for creating a key (the deploy role creates ota-deploy's signing key, only with the environment's signing tag)",
  "lambda:CreateEventSourceMapping":
    "Lambda defines no resource type for creating an event source mapping; the deploy role's condition names the functions",
  "iot:DescribeEndpoint":
    "the account's IoT endpoints have no resource type (the deploy and preview roles look the data endpoint up)",
  "xray:PutTraceSegments": "X-Ray defines no resource types; active tracing sends segments",
  "xray:PutTelemetryRecords": "X-Ray defines no resource types; active tracing sends telemetry",
  "xray:GetSamplingRules": "X-Ray defines no resource types; Step Functions tracing reads the sampling rules",
  "xray:GetSamplingTargets":
    "X-Ray defines no resource types; Step Functions tracing reads the sampling targets",
  "logs:CreateLogDelivery":
    "a permission-only action of CloudWatch vended logs without a resource type (state machine logs)",
  "logs:GetLogDelivery":
    "a permission-only action of CloudWatch vended logs without a resource type (state machine logs)",
  "logs:UpdateLogDelivery":
    "a permission-only action of CloudWatch vended logs without a resource type (state machine logs)",
  "logs:DeleteLogDelivery":
    "a permission-only action of CloudWatch vended logs without a resource type (state machine logs)",
  "logs:ListLogDeliveries":
    "a permission-only action of CloudWatch vended logs without a resource type (state machine logs)",
  "logs:PutResourcePolicy": "the account's log resource policies have no resource type (state machine logs)",
  "logs:DescribeResourcePolicies":
    "the account's log resource policies have no resource type (state machine logs)",
};

const problemsOf = (document: unknown, check: (statement: Statement) => string[]): string[] => {
  const statements = statementsOf(document);
  if (!statements) return ["is not an IAM policy document"];
  return statements.flatMap((statement, index) =>
    statement.Effect === "Allow" ? check(statement).map((problem) => `statement ${index}: ${problem}`) : [],
  );
};

/** Wildcard and NotAction grants: an `Allow` must name each action it grants. Any policy document. */
export const wildcardActionProblems = (document: unknown): string[] =>
  problemsOf(document, (statement) => [
    ...(statement.NotAction ? ["uses NotAction"] : []),
    ...statement.Action.filter((action) => /[*?]/.test(action)).map(
      (action) => `grants the wildcard action ${action}`,
    ),
  ]);

/**
 * `*` (or NotResource) grants in an identity policy: only actions without a resource type, and only with the
 * condition `aws:RequestedRegion` = `region` (any one region when the region is not known).
 */
export const starResourceProblems = (document: unknown, region?: string): string[] =>
  problemsOf(document, (statement) => {
    if (statement.NotResource) return ["uses NotResource"];
    if (!statement.Resource.includes("*")) return [];
    const pinned = statement.Condition?.StringEquals?.["aws:RequestedRegion"];
    return [
      ...statement.Action.filter((action) => !(action in WILDCARD_RESOURCE_ACTIONS)).map(
        (action) => `grants ${action} on * although it supports narrower resources`,
      ),
      ...(typeof pinned === "string" && (region === undefined || pinned === region)
        ? []
        : [`grants * without the condition aws:RequestedRegion = ${region ?? "<one region>"}`]),
    ];
  });

/** Where a stack's ARNs must live; what is unknown (the account, in the pack) is only required to be literal. */
export interface ArnScope {
  partition?: string;
  region?: string;
  accountId?: string;
}

/** Services whose ARNs carry no region and account (`arn:aws:s3:::bucket`), or no region (`arn:aws:iam::…`). */
const GLOBAL_ARN_PARTS: Record<string, { region: boolean; account: boolean }> = {
  s3: { region: false, account: false },
  iam: { region: false, account: true },
};
/** Resource types of regional services whose ARNs carry no region (`arn:aws:cloudwatch::<account>:dashboard/x`). */
const GLOBAL_RESOURCE_TYPES: Record<string, { region: boolean; account: boolean }> = {
  "cloudwatch:dashboard": { region: false, account: true },
};
const PARTITION = /^aws(-[a-z]+)*$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

/** Why `resource` is not an ARN of one partition, region, account and resource type, or undefined when it is. */
function arnProblem(resource: string, scope: ArnScope): string | undefined {
  const [prefix, partition = "", service = "", region = "", account = "", ...rest] = resource.split(":");
  const path = rest.join(":");
  if (prefix !== "arn" || rest.length === 0) return "is not an ARN";
  if (!PARTITION.test(partition) || (scope.partition !== undefined && partition !== scope.partition)) {
    return `is not in partition ${scope.partition ?? "aws"}`;
  }
  if (!/^[a-z0-9-]+$/.test(service)) return "names no service";
  const parts = GLOBAL_ARN_PARTS[service] ??
    GLOBAL_RESOURCE_TYPES[`${service}:${path.split("/")[0]}`] ?? { region: true, account: true };
  const regionOk = parts.region ? REGION.test(region) && (scope.region ?? region) === region : region === "";
  if (!regionOk) return `is not in region ${parts.region ? (scope.region ?? "<one region>") : "(none)"}`;
  const accountOk = parts.account
    ? ACCOUNT.test(account) && (scope.accountId ?? account) === account
    : account === "";
  if (!accountOk) return scope.accountId ? "is not in this account" : "names no account";
  if (path === "" || path.startsWith("*")) return "names no resource type";
  return undefined;
}

/**
 * ARNs a policy allows on: each in one partition, the stack's region (where the service has regions), one literal
 * account (the stack's, where known) and naming a resource type: a wildcard bucket, partition or account (every
 * object of every bucket, any account's roles) reaches everything. `*` itself is the star-resource rule's. Every
 * Allow must also name an action and a resource.
 */
export const resourceArnProblems = (document: unknown, scope: ArnScope = {}): string[] =>
  problemsOf(document, (statement) => [
    ...(statement.Action.length === 0 && !statement.NotAction ? ["grants no action"] : []),
    ...(statement.Resource.length === 0 && !statement.NotResource ? ["names no resource"] : []),
    ...statement.Resource.filter((resource) => resource !== "*").flatMap((resource) => {
      const problem = arnProblem(resource, scope);
      return problem ? [`${resource}: ${problem}`] : [];
    }),
  ]);

/** Everything above, for a policy attached to a role, user or group. */
export const identityPolicyProblems = (document: unknown, scope: ArnScope = {}): string[] => [
  ...wildcardActionProblems(document),
  ...starResourceProblems(document, scope.region),
  ...resourceArnProblems(document, scope),
];

const AWS_SERVICE = /^[a-z0-9.-]+\.amazonaws\.com$/;
const principalsOf = (principal: unknown): Record<string, string[]> =>
  principal === "*"
    ? { "*": ["*"] }
    : Object.fromEntries(
        Object.entries((principal ?? {}) as Record<string, unknown>).map(([kind, value]) => [
          kind,
          [value].flat().map(String),
        ]),
      );

/**
 * Who may assume a role: AWS services, or a web identity provider's tokens for one audience and one subject
 * (a wildcard only in the subject's last part, after `@`: a workflow's ref). Never `*`, an account or another
 * AWS principal: a role a foreign account (or anyone) can assume gives away all it may do.
 */
export const trustPolicyProblems = (document: unknown): string[] =>
  problemsOf(document, (statement) => {
    const principals = principalsOf(statement.Principal);
    const problems: string[] = [];
    for (const [kind, values] of Object.entries(principals)) {
      if (kind === "Service") {
        problems.push(
          ...values
            .filter((v) => !AWS_SERVICE.test(v))
            .map((v) => `trusts ${v}, which is not an AWS service`),
        );
      } else if (kind === "Federated") {
        problems.push(...values.flatMap((provider) => webIdentityProblems(statement, provider)));
      } else {
        problems.push(`trusts ${kind === "*" ? "everyone (Principal *)" : `${kind} ${values.join(", ")}`}`);
      }
    }
    if (Object.keys(principals).length === 0) problems.push("names no principal");
    return problems;
  });

/** A web identity trust must pin the token's audience, and its subject up to the workflow's ref. */
function webIdentityProblems(statement: Statement, provider: string): string[] {
  const host = /:oidc-provider\/(.+)$/.exec(provider)?.[1];
  if (!host) return [`trusts ${provider}, which is not an OIDC provider`];
  const values = (operator: string, key: string) =>
    [statement.Condition?.[operator]?.[key] ?? []].flat().map(String);
  const audience = values("StringEquals", `${host}:aud`);
  const subjects = [...values("StringEquals", `${host}:sub`), ...values("StringLike", `${host}:sub`)];
  return [
    ...(audience.length === 0
      ? [`lets in ${host} tokens for any audience (no StringEquals on ${host}:aud)`]
      : []),
    ...(subjects.length === 0 ? [`lets in every ${host} subject (no condition on ${host}:sub)`] : []),
    ...subjects
      .filter((subject) => {
        const wildcard = subject.search(/[*?]/);
        const ref = subject.indexOf("@");
        return wildcard !== -1 && (ref === -1 || wildcard < ref);
      })
      .map(
        (subject) => `lets in ${host} subjects matching ${subject} (a wildcard before the workflow's ref)`,
      ),
  ];
}

/** A resource policy (bucket, key) that allows anyone: `*` as principal in an Allow. */
export const publicGrantProblems = (document: unknown): string[] =>
  problemsOf(document, (statement) =>
    Object.values(principalsOf(statement.Principal)).some((values) => values.includes("*"))
      ? ["allows everyone (Principal *)"]
      : [],
  );
