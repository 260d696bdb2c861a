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

/** The handlers a state machine of the package calls. */
export const stateMachineSteps = (manifest: PackageManifest): Set<string> =>
  new Set(Object.values(manifest.stateMachines).flatMap((machine) => referencedHandlers(machine.definition)));

/** Every way the manifest contradicts itself, each naming the handler and variable; empty when consistent. */
export function manifestProblems(manifest: PackageManifest): string[] {
  const problems = Object.keys(manifest.resources)
    .filter((name) => name in manifest.stateMachines)
    .map((name) => `${name} names both a resource and a state machine`);
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

const carrying = (resource: string | undefined) => (resource ? `resource ${resource}` : "a setting");
