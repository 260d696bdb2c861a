// How each stack is deployed (fleet:deployment, src/deployment.ts), checked on the real program under mocks:
// roles under the path the deploy role may manage, stateful resources protected where the stack says so, the
// test-fleet tools only where it deploys them, IoT grants limited to the configured names.
import type { PackageManifest } from "@fleet/manifest";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { workloadBoundaryArn, workloadRolePath } from "../../bootstrap/src/naming";
import { workloadRoles } from "../../bootstrap/src/policies/ci-roles";
import { workloadBoundaryStatements } from "../../bootstrap/src/policies/workload-boundary";
import { type DeploymentConfig, parseDeploymentConfig } from "../../src/deployment";
import type { AwsScope, PolicyDocument, PolicyStatement } from "../../src/policies/document";
import { testFleetHandlers } from "../../src/test-fleet";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { INFRA_DIR } from "../../tools/program-bundle";
import { readStackSettings } from "../../tools/stack-config";
import { type Synthesis, synthesize } from "../../tools/synthesize";
import { deployRoleOf } from "./deploy-role-checks";
import { protectionProblems } from "./protection-checks";
import { workspaceManifests } from "./stack-checks";

/** A stack's fleet:deployment block, from its Pulumi.<stack>.yaml. */
export const deploymentOf = (stack: string): DeploymentConfig =>
  parseDeploymentConfig(
    JSON.parse(readStackSettings(INFRA_DIR, stack).config["fleet:deployment"] ?? "null"),
    stack,
  );

/** IoT actions that must reach any device: the resource type cannot be narrowed to the tools' names. */
// A job targets real devices (CreateJob names them, DescribeThing checks they exist, DescribeJobExecution reads
// their verdict), not only the test things; retry-workflow backs up, moves and restores the attributes of any
// device that keeps failing its update.
const ANY_THING_ACTIONS = [
  "iot:AddThingToThingGroup",
  "iot:CreateJob",
  "iot:DescribeJobExecution",
  "iot:DescribeThing",
  "iot:RemoveThingFromThingGroup",
  "iot:UpdateThing",
  "iot:UpdateThingShadow",
];

/**
 * What only test-fleet work needs - creating, listing and deleting things: a stack without test-fleet tools grants
 * none of it, and a function whose code could still send it there is told so (TEST_FLEET_TOOLS) and refuses.
 */
export const TEST_FLEET_ACTIONS = ["iot:CreateThing", "iot:DeleteThing", "iot:ListThings"];

export const globMatches = (glob: string, value: string) =>
  new RegExp(
    `^${glob
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&"))
      .join(".*")}$`,
  ).test(value);

/** Whether an Allow of `statements` covers `action` on `resource` (a grant's ARN pattern, compared literally). */
const covers = (statements: PolicyStatement[], action: string, resource: string) =>
  statements.some(
    (s) =>
      s.Effect === "Allow" &&
      s.Action.includes(action) &&
      (s.Resource ?? []).some((pattern) => globMatches(pattern, resource)),
  );

/**
 * The checks of `stack`'s deployment settings; `program` and `extraConfig` as for synthesize (a program with a
 * domain added, and its config block).
 */
export function describeDeployment(
  stack: string,
  program?: string,
  extraConfig?: Record<string, string>,
): void {
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

  const scope = (): AwsScope => ({
    partition: "aws",
    region: synthesis.config["aws:region"] as string,
    accountId: MOCK_ACCOUNT_ID,
  });

  describe(`deployment of stack ${stack}`, () => {
    beforeAll(async () => {
      manifests = await workspaceManifests();
      synthesis = await synthesize(stack, program, extraConfig);
    }, 120_000);

    it("creates every role under the path whose roles the environment's deploy role may manage and pass, with its boundary", () => {
      expect(deployment.iamRolePath).toBe(workloadRolePath(stack));
      const passable = workloadRoles(scope(), stack);
      const roles = ofType("aws:iam/role:Role");
      expect(roles.length).toBeGreaterThan(0);
      for (const role of roles) {
        expect({
          role: role.name,
          path: role.inputs.path,
          boundary: role.inputs.permissionsBoundary,
        }).toEqual({
          role: role.name,
          path: deployment.iamRolePath,
          // The deploy role may create a role and write its policy only with this boundary set.
          boundary: workloadBoundaryArn("aws", MOCK_ACCOUNT_ID, stack),
        });
        expect({ role: role.name, passable: globMatches(passable, role.computed.arn as string) }).toEqual({
          role: role.name,
          passable: true,
        });
      }
    });

    it("names every resource with the stack's prefix, and its deploy role reaches each of them", () => {
      const deploy = deployRoleOf(scope(), stack);
      const named = ofType("aws:iam/role:Role").length;
      const resources = synthesis.resources.filter((r) => r.custom && typeof r.computed.arn === "string");
      expect(resources.length).toBeGreaterThan(named);
      for (const resource of resources) {
        // A KMS key has no name: the environment's keys are those its fleet-signing tag names (ci-roles.ts).
        const tags = resource.inputs.tags as Record<string, string> | undefined;
        const name = String(resource.computed.name ?? resource.computed.bucket ?? tags?.["fleet-signing"]);
        const arn = resource.computed.arn as string;
        expect({
          resource: resource.name,
          prefixed: name
            .replace(/^\/aws\/(lambda|vendedlogs\/states|kinesisfirehose)\//, "")
            .startsWith(deployment.namePrefix),
          reached: deploy.some(
            (s) => s.Effect === "Allow" && (s.Resource ?? []).some((pattern) => globMatches(pattern, arn)),
          ),
        }).toEqual({ resource: resource.name, prefixed: true, reached: true });
      }
    });

    it("grants every role only what the environment's permissions boundary allows", () => {
      const boundary = workloadBoundaryStatements(scope(), stack);
      const outside = ofType("aws:iam/rolePolicy:RolePolicy").flatMap((policy) =>
        (JSON.parse(policy.inputs.policy as string) as PolicyDocument).Statement.filter(
          (s) => s.Effect === "Allow",
        )
          .flatMap((s) =>
            s.Action.flatMap((action) => (s.Resource ?? []).map((resource) => ({ action, resource }))),
          )
          .filter(({ action, resource }) => !covers(boundary, action, resource))
          .map((grant) => ({ policy: policy.name, ...grant })),
      );
      expect(outside).toEqual([]);
    });

    it(`${deployment.protect ? "protects" : "does not protect"} its resources, each as its type's class says`, () => {
      expect(protectionProblems(synthesis.resources, deployment.protect)).toEqual([]);
    });

    it(`${deployment.testFleetTools ? "deploys" : "leaves out"} the test-fleet tools, their roles and grants`, () => {
      const functions = ofType("aws:lambda/function:Function").map((f) => f.name);
      const roles = ofType("aws:iam/role:Role").map((r) => r.name);
      const tools = manifests.flatMap((manifest) =>
        testFleetHandlers(manifest).map((handler) => `${deployment.namePrefix}${manifest.name}-${handler}`),
      );
      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) {
        expect({ tool, deployed: functions.includes(tool), role: roles.includes(`${tool}-role`) }).toEqual({
          tool,
          deployed: deployment.testFleetTools,
          role: deployment.testFleetTools,
        });
      }
      for (const action of TEST_FLEET_ACTIONS) {
        const granted = iotGrants().filter((grant) => grant.action === action);
        expect({ action, granted: granted.length > 0 }).toEqual({
          action,
          granted: deployment.testFleetTools,
        });
      }
    });

    it("limits IoT grants to the configured thing, group and job names wherever the resource type allows it", () => {
      const { thingNamePrefix, groupNamePrefix } = deployment.iot;
      const iot = `arn:aws:iot:${synthesis.config["aws:region"]}:${MOCK_ACCOUNT_ID}:`;
      const grants = iotGrants();
      expect(grants.length).toBeGreaterThan(0);
      for (const grant of grants) {
        const [type = "", name = ""] = grant.resource.slice(iot.length).split("/");
        const allowed: Record<string, string[]> = {
          // An any-thing action may still be narrowed to the test things (seed-things describes only those).
          thing: ANY_THING_ACTIONS.includes(grant.action)
            ? ["*", `${thingNamePrefix}*`]
            : [`${thingNamePrefix}*`],
          thinggroup: [`${groupNamePrefix}*`],
          job: [`${groupNamePrefix}*`],
          stream: [`${groupNamePrefix}*`],
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
      // Deleting things, the tools' riskiest grant, only ever reaches the test things, and only with the tools.
      const deleting = grants
        .filter(({ action }) => action === "iot:DeleteThing")
        .map(({ resource }) => resource);
      expect([...new Set(deleting)]).toEqual(
        deployment.testFleetTools ? [`${iot}thing/${thingNamePrefix}*`] : [],
      );
    });

    it("tells every function that names things or groups the same prefixes and whether it may delete things, so it refuses the rest up front", () => {
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
      const told = variables.filter((v) => "TEST_FLEET_TOOLS" in v);
      expect(told.length).toBeGreaterThan(0);
      for (const v of told) expect(v.TEST_FLEET_TOOLS).toBe(String(deployment.testFleetTools));
      // Every function publishes its metrics under the stack's namespace.
      for (const v of variables) expect(v.POWERTOOLS_METRICS_NAMESPACE).toBe(`Fleet/${stack}`);
    });
  });
}
