// Least-privilege rules every IAM policy of every stack must pass. The rules the policy pack enforces at preview
// and up time (infra/policy) come from the pack itself, so they live once; the checks here add what only a test
// knows: the stack's account, so every ARN can be held to this account and region. describePolicyPack runs the
// whole pack on a synthesized stack.
import { evaluate, type PolicyRecord } from "@fleet/policy/evaluate";
import { identityPolicyProblems, WILDCARD_RESOURCE_ACTIONS } from "@fleet/policy/iam";
import { FLEET_POLICIES } from "@fleet/policy/policies";
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { AwsScope, PolicyDocument, PolicyStatement } from "../../src/policies/document";
import type { RecordedResource } from "../../tools/mocks";
import { FLEET_PROGRAM, type PulumiProgram } from "../../tools/program-bundle";
import { type Synthesis, synthesize } from "../../tools/synthesize";

export { WILDCARD_RESOURCE_ACTIONS };

/** Services whose ARNs carry no region and account (`arn:aws:s3:::bucket`), or no region (`arn:aws:iam::…`). */
const GLOBAL_ARN_PARTS: Record<string, { region: string; account: "" | "own" }> = {
  s3: { region: "", account: "" },
  iam: { region: "", account: "own" },
};

/** Every way `document` grants more than least privilege in `scope`; empty when it is fine. */
export function policyProblems(document: PolicyDocument, scope: AwsScope): string[] {
  return [
    ...identityPolicyProblems(document, scope.region),
    ...document.Statement.flatMap((statement, index) =>
      statement.Effect === "Allow"
        ? scopeProblems(statement, scope).map((p) => `statement ${index}: ${p}`)
        : [],
    ),
  ];
}

function scopeProblems(statement: PolicyStatement, scope: AwsScope): string[] {
  const problems: string[] = [];
  if ((statement.Action ?? []).length === 0) problems.push("grants no action");
  if ((statement.Resource ?? []).length === 0) problems.push("names no resource");
  for (const resource of (statement.Resource ?? []).filter((r) => r !== "*")) {
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

/** What AWS would create, as the policy pack sees it: inputs for resource policies, outputs for stack policies. */
export const policyRecords = (resources: RecordedResource[]): PolicyRecord[] =>
  resources
    .filter((r) => r.custom)
    .map(({ type, name, inputs, computed }) => ({ type, name, inputs, outputs: { ...inputs, ...computed } }));

/** The policy pack finds nothing in the stack: the same policies `pulumi preview` and `pulumi up` enforce. */
export function describePolicyPack(stack: string, program: PulumiProgram = FLEET_PROGRAM): void {
  let synthesis: Synthesis;
  describe(`policy pack on ${stack}`, () => {
    beforeAll(async () => {
      synthesis = await synthesize(stack, undefined, {}, program);
    }, 120_000);

    it("reports no violation", async () => {
      const violations = await evaluate(FLEET_POLICIES, policyRecords(synthesis.resources), {
        region: synthesis.config["aws:region"],
      });
      expect(violations).toEqual([]);
    });
  });
}
