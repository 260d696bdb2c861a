// Least privilege in IAM documents: no wildcard action (in identity and resource policies alike), and `*` as a
// resource only for the actions whose service defines no resource type - `*` is then the only resource that
// works - pinned to the stack's region. Pure functions of a document: the policies of the pack report what they
// return, and the mock tests call them directly.
import { type Statement, statementsOf } from "./documents";

/**
 * The only actions allowed on resource `*`, each because the Service Authorization Reference defines no
 * resource type for it. The mock tests assert each is in use, so the list cannot grow stale.
 */
export const WILDCARD_RESOURCE_ACTIONS: Readonly<Record<string, string>> = {
  "iot:ListThings": "AWS IoT defines no resource type for listing the registry (seed-things, teardown)",
  "iot:GetIndexingConfiguration":
    "fleet indexing is one account-wide setting without a resource type (ensure-indexing)",
  "iot:UpdateIndexingConfiguration":
    "fleet indexing is one account-wide setting without a resource type (ensure-indexing)",
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

/** Everything above, for a policy attached to a role, user or group. */
export const identityPolicyProblems = (document: unknown, region?: string): string[] => [
  ...wildcardActionProblems(document),
  ...starResourceProblems(document, region),
];
