// Least-privilege rules every IAM policy of every stack must pass. Pure, and tested on bad statements too,
// so a policy that drifts from these rules fails the stack tests.
import type { AwsScope, PolicyDocument, PolicyStatement } from "../../src/policies/document";

/**
 * The only actions allowed on resource `*`, each because the Service Authorization Reference defines no
 * resource type for it: `*` is then the only resource that works. Every case is asserted to be in use.
 */
export const WILDCARD_RESOURCE_ACTIONS: Record<string, string> = {
  "iot:ListThings": "AWS IoT defines no resource type for listing the registry (seed-things, teardown)",
  "iot:GetIndexingConfiguration":
    "fleet indexing is one account-wide setting without a resource type (ensure-indexing)",
  "iot:UpdateIndexingConfiguration":
    "fleet indexing is one account-wide setting without a resource type (ensure-indexing)",
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

/** Services whose ARNs carry no region and account (`arn:aws:s3:::bucket`), or no region (`arn:aws:iam::…`). */
const GLOBAL_ARN_PARTS: Record<string, { region: string; account: "" | "own" }> = {
  s3: { region: "", account: "" },
  iam: { region: "", account: "own" },
};

/** Every way `document` grants more than least privilege in `scope`; empty when it is fine. */
export function policyProblems(document: PolicyDocument, scope: AwsScope): string[] {
  return document.Statement.flatMap((statement, index) =>
    statement.Effect === "Allow"
      ? statementProblems(statement, scope).map((p) => `statement ${index}: ${p}`)
      : [],
  );
}

function statementProblems(statement: PolicyStatement, scope: AwsScope): string[] {
  const raw = statement as unknown as Record<string, unknown>;
  const problems: string[] = [];
  if ("NotAction" in raw || "NotResource" in raw) problems.push("uses NotAction/NotResource");
  const actions = statement.Action ?? [];
  const resources = statement.Resource ?? [];
  if (actions.length === 0) problems.push("grants no action");
  if (resources.length === 0) problems.push("names no resource");
  for (const action of actions.filter((a) => a.includes("*") || a.includes("?"))) {
    problems.push(`grants the wildcard action ${action}`);
  }
  if (resources.includes("*")) {
    for (const action of actions.filter((a) => !(a in WILDCARD_RESOURCE_ACTIONS))) {
      problems.push(`grants ${action} on * although it supports narrower resources`);
    }
    if (statement.Condition?.StringEquals?.["aws:RequestedRegion"] !== scope.region) {
      problems.push(`grants * without the condition aws:RequestedRegion = ${scope.region}`);
    }
  }
  for (const resource of resources.filter((r) => r !== "*")) {
    const problem = arnProblem(resource, scope);
    if (problem) problems.push(`${resource}: ${problem}`);
  }
  return problems;
}

function arnProblem(resource: string, scope: AwsScope): string | undefined {
  const [prefix, partition, service = "", region, account, ...rest] = resource.split(":");
  const path = rest.join(":");
  if (prefix !== "arn" || rest.length === 0) return "is not an ARN";
  if (partition !== scope.partition) return `is not in partition ${scope.partition}`;
  const expected = GLOBAL_ARN_PARTS[service] ?? { region: scope.region, account: "own" };
  if (region !== expected.region) return `is not in region ${expected.region || "(none)"}`;
  if (account !== (expected.account === "own" ? scope.accountId : "")) return "is not in this account";
  if (path === "" || path.startsWith("*")) return "names no resource type";
  return undefined;
}

/** Problems of a trust policy that should let exactly `service` assume the role. */
export function trustProblems(document: PolicyDocument, service: string): string[] {
  return document.Statement.flatMap((statement, index) => {
    const problems: string[] = [];
    const principals = statement.Principal ?? {};
    if (Object.keys(principals).join() !== "Service" || [principals.Service].flat().join() !== service) {
      problems.push(`trusts ${JSON.stringify(principals)}, not only ${service}`);
    }
    if (statement.Action.join() !== "sts:AssumeRole") problems.push(`allows ${statement.Action.join(", ")}`);
    return problems.map((problem) => `statement ${index}: ${problem}`);
  });
}
