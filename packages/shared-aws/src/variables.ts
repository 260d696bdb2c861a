// A package's environment variables as one table: each declared once with its spec, whether infra must set it,
// what it means and the resource it carries; each handler names the ones it reads. Handlers load their subset at
// cold start and the manifest derives what infra must set from the same table, so the two cannot drift apart.
import type { EnvVarSpec } from "@fleet/manifest";
import { type ConfigOf, loadConfig, type VarSpec } from "./config";

export interface VarDeclaration<T> {
  spec: VarSpec<T>;
  required: boolean;
  description: string;
  /** The manifest's resource or state machine the variable carries; infra sets it to that resource's value. */
  resource?: string;
}

type Declarations = Record<string, VarDeclaration<unknown>>;
type SpecsOf<D extends Declarations, N extends keyof D> = { [K in N]: D[K]["spec"] };

export interface VariableTable<D extends Declarations, H extends Record<string, readonly (keyof D)[]>> {
  /** Reads the handler's variables (at cold start); throws a ConfigError naming each bad one. */
  config<N extends keyof H & string>(
    handler: N,
    source?: Record<string, string | undefined>,
  ): ConfigOf<SpecsOf<D, H[N][number]>>;
  /** The manifest's view of the handler's variables. */
  env(handler: keyof H & string): Record<string, EnvVarSpec>;
}

export function variableTable<D extends Declarations, H extends Record<string, readonly (keyof D)[]>>(
  vars: D,
  handlers: H,
): VariableTable<D, H> {
  const declared = (handler: keyof H) => handlers[handler] as readonly (keyof D & string)[];
  return {
    config(handler, source = process.env) {
      const specs = Object.fromEntries(declared(handler).map((name) => [name, vars[name]?.spec]));
      return loadConfig(specs as Record<string, VarSpec<unknown>>, source) as never;
    },
    env(handler) {
      return Object.fromEntries(
        declared(handler).map((name) => {
          const { required, description, resource } = vars[name] as VarDeclaration<unknown>;
          return [name, { required, description, ...(resource ? { resource } : {}) }];
        }),
      );
    },
  };
}
