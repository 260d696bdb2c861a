// The handlers' configuration: the variables of variables.ts as typed specs, loaded at cold start (a bad value
// fails the cold start naming the variable).
import { type ConfigOf, env, loadConfig, type VarSpec } from "@fleet/shared-aws";
import { HANDLER_VARS, type HandlerName, VARS, type VarName, type VarType } from "./variables";

export type { HandlerName } from "./variables";

type SpecOf<T extends VarType> = T extends { type: "number" }
  ? VarSpec<number>
  : T extends { type: "optionalString" }
    ? VarSpec<string | undefined>
    : VarSpec<string>;
type SpecsOf<N extends VarName> = { [K in N]: SpecOf<(typeof VARS)[K]["type"]> };
export type HandlerConfig<H extends HandlerName> = ConfigOf<SpecsOf<(typeof HANDLER_VARS)[H][number]>>;

function specOf(type: VarType): VarSpec<unknown> {
  if (type.type === "number") return env.number(type);
  if (type.type === "optionalString") return env.optionalString();
  return env.string(type);
}

/** Reads the handler's variables from the environment (at cold start); throws a ConfigError naming each bad one. */
export function handlerConfig<H extends HandlerName>(
  handler: H,
  source: Record<string, string | undefined> = process.env,
): HandlerConfig<H> {
  const names: readonly VarName[] = HANDLER_VARS[handler];
  const specs = Object.fromEntries(names.map((name) => [name, specOf(VARS[name].type)]));
  return loadConfig(specs, source) as HandlerConfig<H>;
}
