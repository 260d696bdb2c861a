// Runs the Pulumi program offline: the SDK's mocks in place of the engine and AWS, one stack's config from
// its Pulumi.<stack>.yaml. What `pnpm synth` prints and what the stack tests assert on.
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { type RecordedResource, RecordingMocks } from "./mocks";
import { INFRA_DIR, PROGRAM_ENTRY } from "./program-bundle";
import { readStackSettings } from "./stack-config";

export interface Synthesis {
  project: string;
  stack: string;
  config: Record<string, string>;
  resources: RecordedResource[];
  outputs: Record<string, unknown>;
}

const resolved = (value: unknown) =>
  new Promise<unknown>((resolve) => {
    pulumi.output(value as pulumi.Input<Record<string, unknown>>).apply((plain) => {
      resolve(plain);
      return plain;
    });
  });

/**
 * Runs the program once for `stack` and returns every resource it registered and its resolved outputs. Pulumi's
 * runtime state is per process (per test file under jest): call this once per process. `extraConfig` adds keys
 * to the stack's (`fleet:<key>` → value as JSON), as a new block in Pulumi.<stack>.yaml would.
 */
export async function synthesize(
  stack: string,
  program = PROGRAM_ENTRY,
  extraConfig: Record<string, string> = {},
): Promise<Synthesis> {
  const stackSettings = readStackSettings(INFRA_DIR, stack);
  const settings = { ...stackSettings, config: { ...stackSettings.config, ...extraConfig } };
  const region = settings.config["aws:region"];
  if (!region) throw new Error(`Pulumi.${stack}.yaml sets no aws:region`);
  const mocks = new RecordingMocks(region);
  // The mocks must be in place before the program is imported, or its registrations go nowhere.
  await pulumi.runtime.setMocks(mocks, settings.project, stack, false);
  pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);
  const exports = (await import(pathToFileURL(program).href)) as Record<string, unknown>;
  const outputs = Object.fromEntries(
    await Promise.all(
      Object.entries(exports).map(async ([key, value]) => [key, await resolved(value)] as const),
    ),
  );
  await pulumi.runtime.disconnect();
  return { project: settings.project, stack, config: settings.config, resources: mocks.resources, outputs };
}
