// `./run demo [<scene> [--<option> <value> …]]`: which scenes to play, each with its options. An option belongs
// to one scene and is written in kebab case (`jobName` is `--job-name`); a number option takes an integer.
import { parseArgs } from "node:util";
import { type Scene, type SceneOptions, sceneName } from "@fleet/manifest";
import type { SceneRun } from "./scenes";

export class UsageError extends Error {
  override name = "UsageError";
}

const flag = (option: string) => option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** The scenes `args` asks for, with their options; a UsageError names what is wrong. */
export function sceneRuns(scenes: Scene[], args: string[]): SceneRun[] {
  const names = scenes.map(sceneName);
  const [first, ...rest] = args;
  if (first === undefined) {
    return scenes.map((scene) => ({ scene, options: defaults(scene) }));
  }
  if (first.startsWith("-")) {
    throw new UsageError(
      `options belong to one scene: ./run demo <scene> ${args.join(" ")} (scenes: ${names.join(", ")})`,
    );
  }
  const scene = scenes.find((candidate) => sceneName(candidate) === first);
  if (!scene) throw new UsageError(`unknown scene "${first}"; scenes: ${names.join(", ")}`);
  return [{ scene, options: sceneOptions(scene, rest) }];
}

function defaults(scene: Scene): SceneOptions {
  return Object.fromEntries(Object.entries(scene.options).map(([name, spec]) => [name, spec.default]));
}

function sceneOptions(scene: Scene, args: string[]): SceneOptions {
  const byFlag = new Map(Object.keys(scene.options).map((name) => [flag(name), name]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      options: Object.fromEntries([...byFlag.keys()].map((name) => [name, { type: "string" as const }])),
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage(scene)}`);
  }
  const options = defaults(scene);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(values)) {
    const option = byFlag.get(name) as string;
    if (typeof scene.options[option]?.default === "number") {
      const number = Number(value);
      if (Number.isInteger(number)) options[option] = number;
      else problems.push(`--${name} must be an integer, got ${JSON.stringify(value)}`);
    } else {
      options[option] = String(value);
    }
  }
  if (problems.length === 0) problems.push(...(scene.optionProblems?.(options) ?? []));
  if (problems.length > 0) throw new UsageError(`${problems.join("; ")}\n${usage(scene)}`);
  return options;
}

/** The scene's options, each with its default. */
export function usage(scene: Scene): string {
  const flags = Object.entries(scene.options).map(([name, spec]) => ({
    flag: `--${flag(name)} <${typeof spec.default}>`,
    about: `${spec.description} (default ${spec.default})`,
  }));
  const width = Math.max(...flags.map((entry) => entry.flag.length));
  const lines = flags.map((entry) => `  ${entry.flag.padEnd(width)}  ${entry.about}`);
  return [`./run demo ${sceneName(scene)} [options]: ${scene.title}`, ...lines].join("\n");
}
