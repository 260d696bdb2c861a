// Which value each handler's environment variable gets: infra supplies what it creates (the bucket name or ARN
// a variable carries, per the manifest), what it looks up (endpoints) and how the stack is deployed (the names
// its IoT grants cover, whether it has test-fleet tools), the stack's config supplies tunables (rates, keys); a
// handler gets exactly the variables it declares in its package's manifest.
import type { LambdaHandlerSpec, PackageManifest } from "@fleet/manifest";
import type * as pulumi from "@pulumi/pulumi";
import type { DeploymentConfig } from "./deployment";

export type EnvValues = Record<string, pulumi.Input<string>>;

/**
 * How the stack is deployed, for every handler of any package that declares the variable: the prefixes its IoT
 * grants are limited to, so that it refuses other names up front, and whether it may delete things.
 */
export const platformVariables = ({
  iot,
  testFleetTools,
}: Pick<DeploymentConfig, "iot" | "testFleetTools">): Record<string, string> => ({
  THING_NAME_PREFIX: iot.thingNamePrefix,
  GROUP_NAME_PREFIX: iot.groupNamePrefix,
  TEST_FLEET_TOOLS: String(testFleetTools),
});

/** The required variables of `spec` that `available` has no value for. */
export const missingRequired = (spec: LambdaHandlerSpec, available: Record<string, unknown>): string[] =>
  Object.entries(spec.env)
    .filter(([name, varSpec]) => varSpec.required && available[name] === undefined)
    .map(([name]) => name);

/** The variables `spec` declares that `available` has values for; optional ones left out keep their defaults. */
export const handlerEnvironment = (spec: LambdaHandlerSpec, available: EnvValues): EnvValues =>
  Object.fromEntries(
    Object.keys(spec.env).flatMap((name) => (available[name] === undefined ? [] : [[name, available[name]]])),
  );

/**
 * Checks configured settings before anything is created: each must be a variable some handler reads (a typo
 * would otherwise be silently ignored), and none may override a value infra supplies.
 */
export function settingsProblems(
  manifest: PackageManifest,
  configured: string[],
  suppliedByInfra: string[],
): string[] {
  const declared = new Set(Object.values(manifest.handlers).flatMap((spec) => Object.keys(spec.env)));
  return [
    ...configured
      .filter((name) => !declared.has(name))
      .map((name) => `${name} is read by no ${manifest.name} handler`),
    ...configured
      .filter((name) => suppliedByInfra.includes(name))
      .map((name) => `${name} is set by infra, not config`),
  ];
}
