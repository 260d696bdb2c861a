// What a manifest says about resources, derived once for every reader: infra (environment, IAM resources,
// deployment order), the local stack (what to create, each variable's value) and the stack checks.
import type { LambdaHandlerSpec, PackageManifest, ResourceSpec } from "./manifest";
import { referencedHandlers } from "./state-machine";

/** A name a handler's variable or `uses` may refer to: one of the package's resources or state machines. */
export type PackageResource =
  | { name: string; kind: "state-machine" }
  | { name: string; kind: ResourceSpec["kind"]; spec: ResourceSpec };

export function packageResource(manifest: PackageManifest, name: string): PackageResource | undefined {
  const spec = manifest.resources[name];
  if (spec) return { name, kind: spec.kind, spec };
  if (name in manifest.stateMachines) return { name, kind: "state-machine" };
  return undefined;
}

/** The resources and state machines a handler reads through its variables or uses otherwise, sorted. */
export function handlerResources(spec: LambdaHandlerSpec): string[] {
  const carried = Object.values(spec.env).flatMap((variable) =>
    variable.resource ? [variable.resource] : [],
  );
  return [...new Set([...carried, ...(spec.uses ?? [])])].sort();
}

/** Every variable that carries a resource, over all handlers: variable → resource name. */
export function resourceVariables(manifest: PackageManifest): Record<string, string> {
  return Object.fromEntries(
    Object.values(manifest.handlers).flatMap((spec) =>
      Object.entries(spec.env).flatMap(([variable, { resource }]) =>
        resource ? [[variable, resource]] : [],
      ),
    ),
  );
}

/** The package resources `spec` refers to, which exist before it: a queue's dead-letter queue. */
const referredResources = (spec: ResourceSpec): string[] =>
  spec.kind === "queue" && spec.deadLetter ? [spec.deadLetter.queue] : [];

/**
 * The package's resources, each after those it refers to: what infra and the local stack create in turn. One
 * pass suffices because a resource may refer only to one that refers to none (see `manifestProblems`).
 */
export function resourcesInCreationOrder(manifest: PackageManifest): Array<[string, ResourceSpec]> {
  const entries = Object.entries(manifest.resources);
  const refers = ([, spec]: [string, ResourceSpec]) => referredResources(spec).length > 0;
  return [...entries.filter((entry) => !refers(entry)), ...entries.filter(refers)];
}

/** The handlers a state machine of the package calls. */
export const stateMachineSteps = (manifest: PackageManifest): Set<string> =>
  new Set(Object.values(manifest.stateMachines).flatMap((machine) => referencedHandlers(machine.definition)));

/** Every way the manifest contradicts itself, each naming the handler and variable; empty when consistent. */
export function manifestProblems(manifest: PackageManifest): string[] {
  const problems = Object.keys(manifest.resources)
    .filter((name) => name in manifest.stateMachines)
    .map((name) => `${name} names both a resource and a state machine`);
  problems.push(...resourceProblems(manifest));
  const steps = stateMachineSteps(manifest);
  const carriers = new Map<string, string | undefined>();
  for (const [handler, spec] of Object.entries(manifest.handlers)) {
    // A stack without test-fleet tools leaves them out: nothing it deploys may depend on one.
    if (spec.testFleetTool && steps.has(handler)) {
      problems.push(`${handler} is a test-fleet tool and cannot be a state machine step`);
    }
    for (const [variable, { resource }] of Object.entries(spec.env)) {
      if (carriers.has(variable) && carriers.get(variable) !== resource) {
        problems.push(
          `${variable} carries ${carrying(resource)} in ${handler} but ${carrying(carriers.get(variable))} elsewhere`,
        );
      }
      carriers.set(variable, resource);
    }
    for (const name of handlerResources(spec)) {
      const target = packageResource(manifest, name);
      if (!target)
        problems.push(`${handler} uses ${name}, which is no resource or state machine of ${manifest.name}`);
      // The state machine needs the step's ARN, so the step cannot be given the state machine's.
      else if (target.kind === "state-machine" && steps.has(handler)) {
        problems.push(`${handler} is a state machine step and cannot read the ARN of state machine ${name}`);
      }
    }
  }
  return problems;
}

/**
 * What is wrong with the resources' own settings: a table's time-to-live on one of its (String) keys, a
 * dead-letter queue that is no queue, or has one itself.
 */
function resourceProblems(manifest: PackageManifest): string[] {
  return Object.entries(manifest.resources).flatMap(([name, spec]) => {
    if (spec.kind === "table" && spec.ttlAttribute !== undefined) {
      return [spec.partitionKey, spec.sortKey].includes(spec.ttlAttribute)
        ? [
            `${name}'s ttlAttribute ${spec.ttlAttribute} is one of its keys, which hold strings, not epoch seconds`,
          ]
        : [];
    }
    if (spec.kind !== "queue" || !spec.deadLetter) return [];
    const { queue, maxReceives } = spec.deadLetter;
    const target = manifest.resources[queue];
    const problems: string[] = [];
    if (queue === name) problems.push(`${name} cannot be its own dead-letter queue`);
    else if (target?.kind !== "queue")
      problems.push(`${name}'s dead-letter queue ${queue} is no queue of ${manifest.name}`);
    else if (referredResources(target).length > 0)
      problems.push(`${name}'s dead-letter queue ${queue} has a dead-letter queue of its own`);
    if (!Number.isInteger(maxReceives) || maxReceives < 1 || maxReceives > 1000) {
      problems.push(`${name}'s maxReceives must be an integer from 1 to 1000, got ${maxReceives}`);
    }
    return problems;
  });
}

const carrying = (resource: string | undefined) => (resource ? `resource ${resource}` : "a setting");
