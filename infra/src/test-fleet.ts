// Test-fleet tools (seeding and deleting things) are left out of the stacks that do not deploy them
// (fleet:deployment.testFleetTools): there, their functions, roles and grants do not exist at all. A package
// marks them in its manifest (`testFleetTool`), which also keeps them out of its state machines.
import type { PackageManifest } from "@fleet/manifest";

/** The package's test-fleet tools, as its manifest marks them: handlers that create or delete devices. */
export const testFleetHandlers = (manifest: PackageManifest): string[] =>
  Object.entries(manifest.handlers)
    .filter(([, spec]) => spec.testFleetTool === true)
    .map(([handler]) => handler);

/** The package as a stack deploys it: all of it, or all but its test-fleet tools. */
export function deployedManifest(manifest: PackageManifest, testFleetTools: boolean): PackageManifest {
  if (testFleetTools) return manifest;
  const tools = testFleetHandlers(manifest);
  const handlers = Object.entries(manifest.handlers).filter(([handler]) => !tools.includes(handler));
  return { ...manifest, handlers: Object.fromEntries(handlers) };
}
