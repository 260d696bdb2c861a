// Deploys one handler package from its manifest: the resources it owns, a NodeLambda per handler and a
// Workflow per state machine, each handler's environment and the resources of its IAM statements derived from
// the manifest. Everything is checked first (planHandlerPackage), so that a bad package is refused before its
// first resource exists. Functions a definition calls are created first, then the state machines, then every
// other function: those may read a state machine's ARN (an entry handler starting executions, a teardown
// stopping them) and be granted actions on it and its executions. A stack without test-fleet tools deploys
// the package without them (test-fleet.ts): their functions, roles and statements do not exist there.
import { locateBundle } from "@fleet/bundle/locate";
import {
  handlerResources,
  type LambdaHandlerSpec,
  manifestProblems,
  type PackageManifest,
  packageResource,
  resourceVariables,
  stateMachineSteps,
} from "@fleet/manifest";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import type { DomainSettings } from "../config";
import type { IotNaming } from "../deployment";
import { handlerEnvironment, missingRequired, platformVariables, settingsProblems } from "../handler-env";
import type { AwsScope, PermissionContext, PolicyStatement } from "../policies/document";
import { deployedManifest } from "../test-fleet";
import { NodeLambda } from "./node-lambda";
import { arnShape, createPackageResources, type PackageResourceRef } from "./package-resources";
import { Workflow } from "./state-machine";

/** What every domain component gets from the program: the platform's settings and its block of the config. */
export interface DomainArgs extends DomainSettings {
  repoRoot: string;
  logRetentionDays: number;
  alarmTopicArn?: pulumi.Input<string>;
  /**
   * How every resource name starts (`fleet-<stack>-`): the deploy role and the roles' boundary reach only these.
   * Pulumi's generated names start with the logical name, so the package's resources are named `<prefix><name>-…`.
   */
  namePrefix: string;
  /** The names the tools give IoT things, groups and jobs; IoT grants are limited to them (fleet:deployment.iot). */
  iot: IotNaming;
  /** Deploy the test-fleet tools, which create and delete things (fleet:deployment.testFleetTools). */
  testFleetTools: boolean;
}

type StatementsOf = (context: PermissionContext) => PolicyStatement[];

export interface HandlerPackageArgs extends DomainArgs {
  manifest: PackageManifest;
  /** Each handler's statements, built from the ARNs of what its manifest entry uses; every handler has some. */
  permissions: Record<string, StatementsOf>;
  /**
   * Values infra looks up for variables that carry no package resource (an account endpoint), by variable. The
   * platform's own (name prefixes, test-fleet tools: platformVariables) reach every handler declaring them.
   */
  supplied?: Record<string, pulumi.Input<string>>;
  /** Days before the current objects of each of these package buckets expire (from the stack's config). */
  bucketExpiryDays?: Record<string, number>;
  /** Days the replaced or deleted versions of each of these package buckets are kept (default 30). */
  bucketNoncurrentVersionDays?: Record<string, number>;
}

export interface PlannedHandler {
  name: string;
  spec: LambdaHandlerSpec;
  /** The absolute folder of its bundle. */
  bundleDir: string;
  statementsOf: StatementsOf;
  /** Whether a state machine calls it. */
  step: boolean;
}

export interface HandlerPackagePlan {
  /** Every handler, in name order. */
  handlers: PlannedHandler[];
  /** The stack's settings as the handlers' variables. */
  settings: Record<string, string>;
}

/** Checks everything a deployment of the package needs; throws one error naming every problem. */
export function planHandlerPackage(packageArgs: HandlerPackageArgs): HandlerPackagePlan {
  const args = withoutLeftOut(packageArgs);
  const { manifest } = args;
  const handlers = Object.keys(manifest.handlers).sort();
  const permitted = Object.keys(args.permissions);
  const settings = { ...asStrings(args.rates), ...asStrings(args.settings) };
  const supplied = Object.keys({ ...platformVariables(args), ...args.supplied });
  const carried = Object.keys(resourceVariables(manifest));
  const problems = [
    ...manifestProblems(manifest),
    ...handlers.filter((h) => !permitted.includes(h)).map((h) => `no IAM statements for handler ${h}`),
    ...permitted.filter((h) => !handlers.includes(h)).map((h) => `IAM statements for unknown handler ${h}`),
    ...settingsProblems(manifest, Object.keys(settings), [...carried, ...supplied]),
    ...Object.keys({ ...args.bucketExpiryDays, ...args.bucketNoncurrentVersionDays })
      .filter((resource) => manifest.resources[resource]?.kind !== "bucket")
      .map((resource) => `expiry days for ${resource}, which is no bucket of ${manifest.name}`),
  ];
  const available = Object.fromEntries(
    [...Object.keys(settings), ...supplied, ...carried].map((v) => [v, v]),
  );
  for (const [handler, spec] of Object.entries(manifest.handlers)) {
    const missing = missingRequired(spec, available);
    if (missing.length > 0)
      problems.push(`${handler} requires ${missing.join(", ")}, which nothing supplies`);
  }
  // Statements are built only for a package that is otherwise sound: they may rely on it.
  if (problems.length === 0) problems.push(...statementProblems(args));
  if (problems.length > 0) throw new Error(`${manifest.name}: ${problems.join("; ")}`);
  const steps = stateMachineSteps(manifest);
  return {
    handlers: handlers.map((name) => ({
      name,
      spec: manifest.handlers[name] as LambdaHandlerSpec,
      bundleDir: locateBundle(manifest, name, args.repoRoot),
      // Every handler has statements: checked above.
      statementsOf: args.permissions[name] as StatementsOf,
      step: steps.has(name),
    })),
    settings,
  };
}

/** The package and its statements as the stack deploys them: without the test-fleet tools where it has none. */
function withoutLeftOut(args: HandlerPackageArgs): HandlerPackageArgs {
  const manifest = deployedManifest(args.manifest, args.testFleetTools);
  const leftOut = (handler: string) => handler in args.manifest.handlers && !(handler in manifest.handlers);
  return {
    ...args,
    manifest,
    permissions: Object.fromEntries(
      Object.entries(args.permissions).filter(([handler]) => !leftOut(handler)),
    ),
  };
}

/** Any stack's scope: statements are built once with ARNs of the right shape, before any ARN exists. */
const CHECK_SCOPE: AwsScope = { partition: "aws", region: "us-east-1", accountId: "000000000000" };

/**
 * Builds every handler's statements with ARNs shaped like the real ones: a statement naming a resource its
 * manifest entry does not use fails here, naming the handler, rather than in the middle of a deployment.
 */
function statementProblems({ manifest, permissions, iot, testFleetTools }: HandlerPackageArgs): string[] {
  return Object.entries(manifest.handlers).flatMap(([handler, spec]) => {
    const statementsOf = permissions[handler];
    if (!statementsOf) return [];
    const arns = Object.fromEntries(
      handlerResources(spec).flatMap((name) => {
        const target = packageResource(manifest, name);
        return target ? [[name, arnShape(target.kind, name, CHECK_SCOPE)]] : [];
      }),
    );
    try {
      statementsOf({ scope: CHECK_SCOPE, handler, arns, iot, testFleetTools });
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
}

export interface HandlerPackage {
  functions: Record<string, NodeLambda>;
  workflows: Record<string, Workflow>;
  /** What an operator needs: each resource's value (a bucket's name), each state machine's ARN, each function. */
  outputs: DomainOutputs;
}

export interface DomainOutputs {
  resources: Record<string, pulumi.Output<string>>;
  /**
   * Topics the component creates itself, by name, with their ARNs: alarm-action topics, which CloudWatch cannot
   * publish to under the manifest topics' AWS-managed key. The stack checks take these, and only these, as the
   * component's own besides the manifest's resources.
   */
  topics?: Record<string, pulumi.Output<string>>;
  stateMachines: Record<string, pulumi.Output<string>>;
  functions: Record<string, { name: pulumi.Output<string>; arn: pulumi.Output<string> }>;
}

/** Plans, then creates the package's resources as children of `parent`, named `<namePrefix><name>-<resource>`. */
export function deployHandlerPackage(
  name: string,
  args: HandlerPackageArgs,
  parent: pulumi.Resource,
): HandlerPackage {
  const plan = planHandlerPackage(args);
  const { manifest, logRetentionDays, alarmTopicArn, iot, testFleetTools } = args;
  const supplied = { ...platformVariables(args), ...args.supplied };
  const scope = awsScope(parent);
  const named = (part: string) => `${args.namePrefix}${name}-${part}`;

  const resources = createPackageResources(
    `${args.namePrefix}${name}`,
    manifest,
    parent,
    args.bucketExpiryDays,
    args.bucketNoncurrentVersionDays,
  );
  // Planning checked that each name is a resource or state machine of the package, created before its readers.
  const created = (resource: string): PackageResourceRef => {
    const ref = resources.get(resource);
    if (!ref) throw new Error(`${manifest.name}: ${resource} was not created before a handler using it`);
    return ref;
  };
  const createFunction = ({ name: handler, spec, bundleDir, statementsOf }: PlannedHandler) => {
    const carried = Object.fromEntries(
      Object.entries(spec.env).flatMap(([variable, { resource }]) =>
        resource ? [[variable, created(resource).value]] : [],
      ),
    );
    const arns = pulumi.all(
      Object.fromEntries(handlerResources(spec).map((resource) => [resource, created(resource).arn])),
    );
    return new NodeLambda(
      named(handler),
      {
        spec,
        bundleDir,
        environment: handlerEnvironment(spec, { ...plan.settings, ...supplied, ...carried }),
        statements: pulumi
          .all([scope, arns])
          .apply(([resolved, used]) =>
            statementsOf({ scope: resolved, handler, arns: used, iot, testFleetTools }),
          ),
        logRetentionDays,
        alarmTopicArn,
      },
      { parent },
    );
  };

  const functions: Record<string, NodeLambda> = {};
  for (const handler of plan.handlers.filter((h) => h.step))
    functions[handler.name] = createFunction(handler);
  const workflows: Record<string, Workflow> = {};
  for (const [stateMachine, spec] of Object.entries(manifest.stateMachines)) {
    const workflow = new Workflow(
      named(stateMachine),
      { spec, functions, logRetentionDays, alarmTopicArn },
      { parent },
    );
    workflows[stateMachine] = workflow;
    // A variable carrying a state machine holds its ARN.
    resources.set(stateMachine, { value: workflow.arn, arn: workflow.arn });
  }
  for (const handler of plan.handlers.filter((h) => !h.step))
    functions[handler.name] = createFunction(handler);

  const outputs: DomainOutputs = {
    resources: Object.fromEntries(
      Object.keys(manifest.resources).map((resource) => [resource, created(resource).value]),
    ),
    stateMachines: Object.fromEntries(
      Object.entries(workflows).map(([key, workflow]) => [key, workflow.arn]),
    ),
    functions: Object.fromEntries(
      Object.entries(functions).map(([handler, fn]) => [handler, { name: fn.functionName, arn: fn.arn }]),
    ),
  };
  return { functions, workflows, outputs };
}

const asStrings = (values: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)]));
