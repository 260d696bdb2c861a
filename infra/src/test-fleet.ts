// Test-fleet tools (seeding and deleting things) are left out of the stacks that do not deploy them
// (fleet:deployment.testFleetTools): there, their functions, roles and grants do not exist at all.
import type { PackageManifest } from "@fleet/bundle/manifest";
import { referencedHandlers } from "@fleet/bundle/state-machine";

/** `manifest` without `handlers`; refuses to leave out a handler a state machine calls. */
export function withoutHandlers(manifest: PackageManifest, handlers: string[]): PackageManifest {
  const called = Object.values(manifest.stateMachines)
    .flatMap((stateMachine) => referencedHandlers(stateMachine.definition))
    .filter((handler) => handlers.includes(handler));
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
