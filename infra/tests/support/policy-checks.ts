// Least-privilege rules every IAM policy of every stack must pass. The rules are the policy pack's (infra/policy),
// enforced at preview and up time, so they live once; the test adds what only it knows, the stack's account, so
// every ARN is held to this account and region. describePolicyPack runs the whole pack on a synthesized stack.
import { evaluate, type PolicyRecord } from "@fleet/policy/evaluate";
import { identityPolicyProblems, WILDCARD_RESOURCE_ACTIONS } from "@fleet/policy/iam";
import { FLEET_POLICIES } from "@fleet/policy/policies";
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { AwsScope, PolicyDocument } from "../../src/policies/document";
import type { RecordedResource } from "../../tools/mocks";
import { FLEET_PROGRAM, type PulumiProgram } from "../../tools/program-bundle";
import { type Synthesis, synthesize } from "../../tools/synthesize";

export { WILDCARD_RESOURCE_ACTIONS };

/**
 * Every way `document` grants more than least privilege in `scope`: the pack's rules, with the stack's account known
 * here (the pack, not knowing it, requires a literal account), so every ARN is held to this account and region.
 */
export const policyProblems = (document: PolicyDocument, scope: AwsScope): string[] =>
  identityPolicyProblems(document, scope);

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
