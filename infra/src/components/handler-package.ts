// Deploys one handler package from its manifest: a NodeLambda per handler and a Workflow per state machine.
// Functions a definition calls are created first, then the state machines, then the functions that read a
// state machine's ARN (an entry handler starting executions).

import { locateBundle } from "@fleet/bundle/locate";
import type { PackageManifest } from "@fleet/bundle/manifest";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { handlerEnvironment, missingRequired } from "../handler-env";
import type { PermissionContext, PolicyStatement } from "../policies/document";
import { referencedHandlers } from "../state-machine-definition";
import { NodeLambda } from "./node-lambda";
import { Workflow } from "./state-machine";

export interface HandlerPackageArgs {
  manifest: PackageManifest;
  repoRoot: string;
  /** The statements of each handler; every handler in the manifest needs one entry, and only those. */
  permissions: Record<string, (context: PermissionContext) => pulumi.Input<PolicyStatement[]>>;
  /** Values for the variables handlers read: what infra created and the stack's settings. */
  environment: Record<string, pulumi.Input<string>>;
  /** Variables carrying a state machine's ARN: variable name → state machine name in the manifest. */
  stateMachineVariables?: Record<string, string>;
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
  const { manifest } = args;
  const stateMachineVariables = args.stateMachineVariables ?? {};
  const handlers = Object.keys(manifest.handlers).sort();
  const steps = new Set(
    Object.values(manifest.stateMachines).flatMap((sm) => referencedHandlers(sm.definition)),
  );
  validate(args, handlers, steps, stateMachineVariables);
  const bundles = Object.fromEntries(
    handlers.map((handler) => [handler, locateBundle(manifest, handler, args.repoRoot)]),
  );
  const scope = awsScope(parent);

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
          .apply(([resolvedScope, arns]) =>
            pulumi.output(permissions({ scope: resolvedScope, stateMachineArns: arns })),
          ),
        logRetentionDays: args.logRetentionDays,
        alarmTopicArn: args.alarmTopicArn,
      },
      { parent },
    );
  };

  const functions: Record<string, NodeLambda> = {};
  for (const handler of handlers.filter((h) => steps.has(h)))
    functions[handler] = createFunction(handler, {});
  const workflows = Object.fromEntries(
    Object.entries(manifest.stateMachines).map(([stateMachine, spec]) => [
      stateMachine,
      new Workflow(
        `${name}-${stateMachine}`,
        { spec, functions, logRetentionDays: args.logRetentionDays, alarmTopicArn: args.alarmTopicArn },
        { parent },
      ),
    ]),
  );
  const stateMachineArns = Object.fromEntries(
    Object.entries(workflows).map(([key, workflow]) => [key, workflow.arn]),
  );
  for (const handler of handlers.filter((h) => !steps.has(h)))
    functions[handler] = createFunction(handler, stateMachineArns);
  return { functions, workflows };
}

function validate(
  args: HandlerPackageArgs,
  handlers: string[],
  steps: Set<string>,
  stateMachineVariables: Record<string, string>,
): void {
  const { manifest } = args;
  const problems = [
    ...handlers.filter((h) => !(h in args.permissions)).map((h) => `no IAM statements for handler ${h}`),
    ...Object.keys(args.permissions)
      .filter((h) => !handlers.includes(h))
      .map((h) => `IAM statements for unknown handler ${h}`),
    ...Object.entries(stateMachineVariables)
      .filter(([, stateMachine]) => !(stateMachine in manifest.stateMachines))
      .map(([variable, stateMachine]) => `${variable} refers to unknown state machine ${stateMachine}`),
  ];
  for (const handler of handlers) {
    const spec = manifest.handlers[handler]!;
    // A function a state machine calls cannot be given that state machine's ARN: neither could be created first.
    const available = steps.has(handler)
      ? args.environment
      : { ...args.environment, ...stateMachineVariables };
    const missing = missingRequired(spec, available);
    if (missing.length > 0)
      problems.push(`${handler} requires ${missing.join(", ")}, which nothing supplies`);
  }
  if (problems.length > 0) throw new Error(`${manifest.name}: ${problems.join("; ")}`);
}
