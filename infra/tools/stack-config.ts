// A stack's config as the Pulumi CLI would hand it to the program, read from Pulumi.<stack>.yaml.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

export interface StackSettings {
  project: string;
  /** `namespace:key` → value, objects as JSON, like the CLI passes them. */
  config: Record<string, string>;
  /** Keys whose values are `secure:` ciphertext: replaced by a placeholder, since they can't be decrypted offline. */
  secretKeys: string[];
}

export const stackNames = (infraDir: string): string[] =>
  readdirSync(infraDir)
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();

export function readStackSettings(infraDir: string, stack: string): StackSettings {
  const file = path.join(infraDir, `Pulumi.${stack}.yaml`);
  if (!existsSync(file)) {
    throw new Error(
      `unknown stack ${JSON.stringify(stack)}: no ${file} (stacks: ${stackNames(infraDir).join(", ")})`,
    );
  }
  const project = parse(readFileSync(path.join(infraDir, "Pulumi.yaml"), "utf8")).name as string;
  const entries = Object.entries(
    (parse(readFileSync(file, "utf8"))?.config ?? {}) as Record<string, unknown>,
  );
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of entries) {
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    if (value !== null && typeof value === "object" && "secure" in value) {
      config[fullKey] = "<secret>";
      secretKeys.push(fullKey);
    } else {
      config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { project, config, secretKeys };
}
