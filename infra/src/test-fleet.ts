// Test-fleet tools (seeding and deleting things) are left out of the stacks that do not deploy them
// (fleet:deployment.testFleetTools): there, their functions, roles and grants do not exist at all.
import { type PackageManifest, stateMachineSteps } from "@fleet/manifest";

/** Each package's test-fleet tools, by package name: handlers that create or delete devices. */
export const TEST_FLEET_HANDLERS: Readonly<Record<string, readonly string[]>> = {
  "jobs-targeting": ["seed-things"],
};

/**
 * `manifest` without `handlers`; refuses a name that is no handler of the package (a renamed tool would
 * otherwise stay deployed) and a handler a state machine calls.
 */
export function withoutHandlers(manifest: PackageManifest, handlers: readonly string[]): PackageManifest {
  const unknown = handlers.filter((handler) => !(handler in manifest.handlers));
  if (unknown.length > 0) {
    throw new Error(
      `${manifest.name}: ${unknown.join(", ")} cannot be left out, it is no handler of the package`,
    );
  }
  const called = [...stateMachineSteps(manifest)].filter((handler) => handlers.includes(handler));
  if (called.length > 0) {
    throw new Error(`${manifest.name}: ${called.join(", ")} cannot be left out, a state machine calls it`);
  }
  return {
    ...manifest,
    handlers: Object.fromEntries(
      Object.entries(manifest.handlers).filter(([handler]) => !handlers.includes(handler)),
    ),
  };
}

/** The package as a stack deploys it: all of it, or all but its test-fleet tools. */
export const deployedManifest = (manifest: PackageManifest, testFleetTools: boolean): PackageManifest =>
  testFleetTools ? manifest : withoutHandlers(manifest, TEST_FLEET_HANDLERS[manifest.name] ?? []);
