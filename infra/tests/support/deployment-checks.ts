// How each stack is deployed (fleet:deployment, src/deployment.ts), checked on the real program under mocks:
// roles under the path the deploy role may manage, stateful resources protected where the stack says so, the
// test-fleet tools only where it deploys them, IoT grants limited to the configured names.
import type { PackageManifest } from "@fleet/manifest";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { workloadRolePath } from "../../bootstrap/src/naming";
import { workloadRoles } from "../../bootstrap/src/policies/ci-roles";
import { type DeploymentConfig, parseDeploymentConfig } from "../../src/deployment";
import type { PolicyDocument } from "../../src/policies/document";
import { testFleetHandlers } from "../../src/test-fleet";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { INFRA_DIR } from "../../tools/program-bundle";
import { readStackSettings } from "../../tools/stack-config";
import { type Synthesis, synthesize } from "../../tools/synthesize";
import { protectionProblems } from "./protection-checks";
import { workspaceManifests } from "./stack-checks";

/** A stack's fleet:deployment block, from its Pulumi.<stack>.yaml. */
export const deploymentOf = (stack: string): DeploymentConfig =>
  parseDeploymentConfig(JSON.parse(readStackSettings(INFRA_DIR, stack).config["fleet:deployment"] ?? "null"));

/** IoT actions that must reach any device: the resource type cannot be narrowed to the tools' names. */
const ANY_THING_ACTIONS = ["iot:AddThingToThingGroup", "iot:CreateJob", "iot:UpdateThingShadow"];

const globMatches = (glob: string, value: string) =>
  new RegExp(
    `^${glob
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*")}$`,
  ).test(value);

export function describeDeployment(stack: string): void {
  const deployment = deploymentOf(stack);
  let synthesis: Synthesis;
  let manifests: PackageManifest[];
  const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type && r.custom);
  const iotGrants = () =>
    ofType("aws:iam/rolePolicy:RolePolicy").flatMap((policy) =>
      (JSON.parse(policy.inputs.policy as string) as PolicyDocument).Statement.filter(
        (s) => s.Effect === "Allow",
      )
        .flatMap((s) =>
          s.Action.flatMap((action) => (s.Resource ?? []).map((resource) => ({ action, resource }))),
        )
        .filter(({ action }) => action.startsWith("iot:"))
        .map((grant) => ({ policy: policy.name, ...grant })),
    );

  describe(`deployment of stack ${stack}`, () => {
    beforeAll(async () => {
      manifests = await workspaceManifests();
      synthesis = await synthesize(stack);
    }, 120_000);

    it("creates every role under the path whose roles the environment's deploy role may manage and pass", () => {
      expect(deployment.iamRolePath).toBe(workloadRolePath(stack));
      const passable = workloadRoles(
        { partition: "aws", region: synthesis.config["aws:region"] as string, accountId: MOCK_ACCOUNT_ID },
        stack,
      );
      const roles = ofType("aws:iam/role:Role");
      expect(roles.length).toBeGreaterThan(0);
      for (const role of roles) {
        expect({ role: role.name, path: role.inputs.path }).toEqual({
          role: role.name,
          path: deployment.iamRolePath,
        });
        expect({ role: role.name, passable: globMatches(passable, role.computed.arn as string) }).toEqual({
          role: role.name,
          passable: true,
        });
      }
    });

    it(`${deployment.protect ? "protects" : "does not protect"} its resources, each as its type's class says`, () => {
      expect(protectionProblems(synthesis.resources, deployment.protect)).toEqual([]);
    });

    it(`${deployment.testFleetTools ? "deploys" : "leaves out"} the test-fleet tools, their roles and grants`, () => {
      const functions = ofType("aws:lambda/function:Function").map((f) => f.name);
      const roles = ofType("aws:iam/role:Role").map((r) => r.name);
      const tools = manifests.flatMap((manifest) =>
        testFleetHandlers(manifest).map((handler) => `${manifest.name}-${handler}`),
      );
      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) {
        expect({ tool, deployed: functions.includes(tool), role: roles.includes(`${tool}-role`) }).toEqual({
          tool,
          deployed: deployment.testFleetTools,
          role: deployment.testFleetTools,
        });
      }
      const creatingThings = iotGrants().filter(({ action }) => action === "iot:CreateThing");
      expect(creatingThings.length > 0).toBe(deployment.testFleetTools);
    });

    it("limits IoT grants to the configured thing, group and job names wherever the resource type allows it", () => {
      const { thingNamePrefix, groupNamePrefix } = deployment.iot;
      const iot = `arn:aws:iot:${synthesis.config["aws:region"]}:${MOCK_ACCOUNT_ID}:`;
      const grants = iotGrants();
      expect(grants.length).toBeGreaterThan(0);
      for (const grant of grants) {
        const [type = "", name = ""] = grant.resource.slice(iot.length).split("/");
        const allowed: Record<string, string[]> = {
          thing: ANY_THING_ACTIONS.includes(grant.action) ? ["*"] : [`${thingNamePrefix}*`],
          thinggroup: [`${groupNamePrefix}*`],
          job: [`${groupNamePrefix}*`],
          index: ["AWS_Things"],
        };
        if (grant.resource === "*") continue; // actions without a resource type, held to the policy pack's list
        expect({
          ...grant,
          scoped: grant.resource.startsWith(iot) && (allowed[type] ?? []).includes(name),
        }).toEqual({
          ...grant,
          scoped: true,
        });
      }
      // Deleting things, the tools' riskiest grant, only ever reaches the test things.
      expect(
        grants.filter(({ action }) => action === "iot:DeleteThing").map(({ resource }) => resource),
      ).toEqual(expect.arrayContaining([`${iot}thing/${thingNamePrefix}*`]));
      expect(
        grants.filter(
          ({ action, resource }) =>
            action === "iot:DeleteThing" && resource !== `${iot}thing/${thingNamePrefix}*`,
        ),
      ).toEqual([]);
    });

    it("tells every function that names things or groups the same prefixes, so it refuses other names up front", () => {
      const { thingNamePrefix, groupNamePrefix } = deployment.iot;
      const variables = ofType("aws:lambda/function:Function").map(
        (f): Record<string, string> => ({
          function: f.name,
          ...(f.inputs.environment as { variables: Record<string, string> }).variables,
        }),
      );
      const naming = variables.filter((v) => "THING_NAME_PREFIX" in v || "GROUP_NAME_PREFIX" in v);
      expect(naming.length).toBeGreaterThan(0);
      for (const v of naming) {
        if ("THING_NAME_PREFIX" in v) expect(v.THING_NAME_PREFIX).toBe(thingNamePrefix);
        if ("GROUP_NAME_PREFIX" in v) expect(v.GROUP_NAME_PREFIX).toBe(groupNamePrefix);
      }
      // Every function publishes its metrics under the stack's namespace.
      for (const v of variables) expect(v.POWERTOOLS_METRICS_NAMESPACE).toBe(`Fleet/${stack}`);
    });
  });
}
