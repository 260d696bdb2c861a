// Typed environment getters: declare what a handler reads once, at module scope, and a missing or malformed
// variable fails the cold start with a message naming every bad variable.
import { ConfigError } from "./errors";

export interface VarSpec<T> {
  read(raw: string | undefined, name: string): T;
}

const problem = (message: string) => new Error(message);

function required(raw: string | undefined, name: string): string {
  if (raw === undefined || raw.trim() === "") throw problem(`${name} is required but not set`);
  return raw.trim();
}

export const env = {
  string(options: { default?: string; pattern?: RegExp } = {}): VarSpec<string> {
    return {
      read(raw, name) {
        const value = raw === undefined || raw.trim() === "" ? options.default : raw.trim();
        if (value === undefined) return required(raw, name);
        if (options.pattern && !options.pattern.test(value)) {
          throw problem(`${name} must match ${options.pattern}, got ${JSON.stringify(value)}`);
        }
        return value;
      },
    };
  },
  optionalString(): VarSpec<string | undefined> {
    return { read: (raw) => (raw === undefined || raw.trim() === "" ? undefined : raw.trim()) };
  },
  number(options: { default?: number; min?: number; max?: number; integer?: boolean } = {}): VarSpec<number> {
    const { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY } = options;
    return {
      read(raw, name) {
        if ((raw === undefined || raw.trim() === "") && options.default !== undefined) return options.default;
        const text = required(raw, name);
        const value = Number(text);
        const kind = options.integer ? "an integer" : "a number";
        if (
          !Number.isFinite(value) ||
          (options.integer && !Number.isInteger(value)) ||
          value < min ||
          value > max
        ) {
          throw problem(`${name} must be ${kind} from ${min} to ${max}, got ${JSON.stringify(text)}`);
        }
        return value;
      },
    };
  },
  boolean(options: { default?: boolean } = {}): VarSpec<boolean> {
    return {
      read(raw, name) {
        if ((raw === undefined || raw.trim() === "") && options.default !== undefined) return options.default;
        const text = required(raw, name).toLowerCase();
        if (text === "true" || text === "1") return true;
        if (text === "false" || text === "0") return false;
        throw problem(`${name} must be true or false, got ${JSON.stringify(raw)}`);
      },
    };
  },
};

export type ConfigOf<S extends Record<string, VarSpec<unknown>>> = {
  [K in keyof S]: S[K] extends VarSpec<infer T> ? T : never;
};

/** Reads every variable in `spec`; throws one ConfigError naming all that are missing or malformed. */
export function loadConfig<S extends Record<string, VarSpec<unknown>>>(
  spec: S,
  source: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, varSpec] of Object.entries(spec)) {
    try {
      values[name] = varSpec.read(source[name], name);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`, { details: { problems } });
  }
  return values as ConfigOf<S>;
}
