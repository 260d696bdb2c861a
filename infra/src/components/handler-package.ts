// Deploys one handler package from its manifest: a NodeLambda per handler and a Workflow per state machine.
// Everything is checked first (planHandlerPackage), so that a domain component can refuse bad input before it
// creates its first resource. Functions a definition calls are created first, then the state machines, then
// every other function: those may read a state machine's ARN (an entry handler starting executions, a teardown
// stopping them) and be granted actions on it and its executions.
import { locateBundle } from "@fleet/bundle/locate";
import type { PackageManifest } from "@fleet/bundle/manifest";
import { referencedHandlers } from "@fleet/bundle/state-machine";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { handlerEnvironment, missingRequired, settingsProblems } from "../handler-env";
import type { PermissionContext, PolicyStatement } from "../policies/document";
import { NodeLambda } from "./node-lambda";
import { Workflow } from "./state-machine";

export interface HandlerPackageRequirements {
  repoRoot: string;
  /** The handlers the domain has IAM statements for: every handler of the manifest, and only those. */
  permitted: string[];
  /** Variables the stack's config sets: each must be read by some handler. */
  configured: string[];
  /** Variables infra sets from what it creates; config may not set them. */
  suppliedByInfra: string[];
  /** Variables carrying a state machine's ARN: variable name → state machine name in the manifest. */
  stateMachineVariables: Record<string, string>;
}

export interface HandlerPackagePlan {
  manifest: PackageManifest;
  /** The absolute bundle folder of each handler. */
  bundles: Record<string, string>;
  /** Handlers a state machine calls. */
  steps: Set<string>;
  stateMachineVariables: Record<string, string>;
}

/** Checks everything a deployment of `manifest` needs; throws one error naming every problem. */
export function planHandlerPackage(
  manifest: PackageManifest,
  needs: HandlerPackageRequirements,
): HandlerPackagePlan {
  const handlers = Object.keys(manifest.handlers).sort();
  const steps = new Set(
    Object.values(manifest.stateMachines).flatMap((sm) => referencedHandlers(sm.definition)),
  );
  const problems = [
    ...handlers.filter((h) => !needs.permitted.includes(h)).map((h) => `no IAM statements for handler ${h}`),
    ...needs.permitted
      .filter((h) => !handlers.includes(h))
      .map((h) => `IAM statements for unknown handler ${h}`),
    ...Object.entries(needs.stateMachineVariables)
      .filter(([, stateMachine]) => !(stateMachine in manifest.stateMachines))
      .map(([variable, stateMachine]) => `${variable} refers to unknown state machine ${stateMachine}`),
    ...settingsProblems(manifest, needs.configured, [
      ...needs.suppliedByInfra,
      ...Object.keys(needs.stateMachineVariables),
    ]),
  ];
  const supplied = Object.fromEntries(
    [...needs.configured, ...needs.suppliedByInfra].map((name) => [name, name]),
  );
  for (const handler of handlers) {
    // A function a state machine calls cannot be given that state machine's ARN: neither could be created first.
    const available = steps.has(handler) ? supplied : { ...supplied, ...needs.stateMachineVariables };
    const missing = missingRequired(manifest.handlers[handler]!, available);
    if (missing.length > 0)
      problems.push(`${handler} requires ${missing.join(", ")}, which nothing supplies`);
  }
  if (problems.length > 0) throw new Error(`${manifest.name}: ${problems.join("; ")}`);
  const bundles = Object.fromEntries(handlers.map((h) => [h, locateBundle(manifest, h, needs.repoRoot)]));
  return { manifest, bundles, steps, stateMachineVariables: needs.stateMachineVariables };
}

export interface HandlerPackageArgs {
  plan: HandlerPackagePlan;
  /** The statements of each handler, built from plain ARNs once they are known. */
  permissions: Record<string, (context: PermissionContext) => pulumi.Input<PolicyStatement[]>>;
  /** Values for the variables handlers read: what infra created and the stack's settings. */
  environment: Record<string, pulumi.Input<string>>;
  logRetentionDays: number;
  alarmTopicArn?: pulumi.Input<string>;
}

export interface HandlerPackage {
  functions: Record<string, NodeLambda>;
  workflows: Record<string, Workflow>;
}

export function deployHandlerPackage(
  name: string,
  args: HandlerPackageArgs,
  parent: pulumi.Resource,
): HandlerPackage {
  const { manifest, bundles, steps, stateMachineVariables } = args.plan;
  const handlers = Object.keys(manifest.handlers).sort();
  const scope = awsScope(parent);
  const { logRetentionDays, alarmTopicArn } = args;

  const createFunction = (handler: string, stateMachineArns: Record<string, pulumi.Output<string>>) => {
    const spec = manifest.handlers[handler]!;
    const stateMachineEnv = Object.fromEntries(
      Object.entries(stateMachineVariables)
        .filter(([, stateMachine]) => stateMachine in stateMachineArns)
        .map(([variable, stateMachine]) => [variable, stateMachineArns[stateMachine]!]),
    );
    const permissions = args.permissions[handler]!;
    return new NodeLambda(
      `${name}-${handler}`,
      {
        spec,
        bundleDir: bundles[handler]!,
        environment: handlerEnvironment(spec, { ...args.environment, ...stateMachineEnv }),
        statements: pulumi
          .all([scope, pulumi.all(stateMachineArns)])
          .apply(([resolved, arns]) =>
            pulumi.output(permissions({ scope: resolved, stateMachineArns: arns })),
          ),
        logRetentionDays,
        alarmTopicArn,
      },
      { parent },
    );
  };

  const functions: Record<string, NodeLambda> = {};
  for (const handler of handlers.filter((h) => steps.has(h))) {
    functions[handler] = createFunction(handler, {});
  }
  const workflows: Record<string, Workflow> = {};
  for (const [stateMachine, spec] of Object.entries(manifest.stateMachines)) {
    workflows[stateMachine] = new Workflow(
      `${name}-${stateMachine}`,
      { spec, functions, logRetentionDays, alarmTopicArn },
      { parent },
    );
  }
  const stateMachineArns = Object.fromEntries(
    Object.entries(workflows).map(([key, workflow]) => [key, workflow.arn]),
  );
  for (const handler of handlers.filter((h) => !steps.has(h))) {
    functions[handler] = createFunction(handler, stateMachineArns);
  }
  return { functions, workflows };
}
