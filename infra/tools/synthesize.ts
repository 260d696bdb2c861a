// Runs a Pulumi program offline: the SDK's mocks in place of the engine and AWS, one stack's config from
// its Pulumi.<stack>.yaml. What `pnpm synth` prints and what the stack tests assert on.
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { type RecordedResource, RecordingMocks } from "./mocks";
import { FLEET_PROGRAM, type PulumiProgram } from "./program-bundle";
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

const runs = new Map<string, Promise<Synthesis>>();

/**
 * Runs the program for `stack` and returns every resource it registered and its resolved outputs. Pulumi's
 * runtime state is per process (per test file under jest), so a process runs one program for one stack: a
 * second call with the same arguments returns the first run, any other call fails.
 * `program` is the file to run (the project's sources by default, or a bundle of them). `extraConfig` adds keys
 * to the stack's (`fleet:<key>` → value as JSON), as a new block in Pulumi.<stack>.yaml would. When the stack's
 * config names the account it belongs to (`<project>:accountId`), the mocks answer with that account.
 */
export function synthesize(
  stack: string,
  program?: string,
  extraConfig: Record<string, string> = {},
  project: PulumiProgram = FLEET_PROGRAM,
): Promise<Synthesis> {
  const file = program ?? project.entry;
  const key = JSON.stringify([project.dir, stack, file, extraConfig]);
  const earlier = runs.get(key);
  if (earlier) return earlier;
  if (runs.size > 0) {
    return Promise.reject(
      new Error(`this process already ran ${[...runs.keys()][0]}; run ${key} in another`),
    );
  }
  const run = synthesizeOnce(stack, file, extraConfig, project);
  runs.set(key, run);
  return run;
}

async function synthesizeOnce(
  stack: string,
  program: string,
  extraConfig: Record<string, string>,
  project: PulumiProgram,
): Promise<Synthesis> {
  const stackSettings = readStackSettings(project.dir, stack);
  const settings = { ...stackSettings, config: { ...stackSettings.config, ...extraConfig } };
  const region = settings.config["aws:region"];
  if (!region) throw new Error(`Pulumi.${stack}.yaml sets no aws:region`);
  const mocks = new RecordingMocks(region, settings.config[`${settings.project}:accountId`]);
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
