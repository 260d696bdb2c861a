// AWS IoT naming rules (the service model's patterns and lengths), checked before anything is created.
import { ValidationError } from "@fleet/shared-aws";

/** Thing and thing group names: 1–128 of `[a-zA-Z0-9:_-]`. */
export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
export const THING_NAME_MAX = 128;

/**
 * Job ids: 1–64 of `[a-zA-Z0-9_-]`. We also require a letter or digit first: the job name becomes a fleet-index
 * query value (`thingGroupNames:<jobName>-exclude`), where a leading `-` would read as the exclusion operator.
 */
export const JOB_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,63}$/;

/** The static group holding a job's exclusions. */
export const excludeGroupNameFor = (jobName: string) => `${jobName}-exclude`;

/** Why `name` is not a valid thing name, or undefined when it is. */
export function thingNameProblem(name: string): string | undefined {
  if (name.length > THING_NAME_MAX) return `longer than ${THING_NAME_MAX} characters`;
  if (!THING_NAME.test(name)) return "only letters, digits, ':', '_' and '-' are allowed";
  return undefined;
}

/** A cursor made for another prefix would create (or delete) things it never meant to. */
export function checkCursorPrefix(cursor: { prefix: string } | undefined | null, prefix: string): void {
  if (cursor && cursor.prefix !== prefix) {
    throw new ValidationError([
      `cursor: it continues a run for prefix ${JSON.stringify(cursor.prefix)}, not ${JSON.stringify(prefix)}; pass that prefix, or start without a cursor`,
    ]);
  }
}

/** A name the stack's IAM grants must cover: `setting` is the variable that holds the stack's prefix. */
export interface PrefixedName {
  field: string;
  value: string | null | undefined;
  prefix: string;
  setting: "THING_NAME_PREFIX" | "GROUP_NAME_PREFIX";
}

/**
 * A deployed stack grants its tools only names under its prefixes (infra's fleet:deployment.iot), so a name
 * outside them is refused before any call, naming the field and the prefix, instead of denied half-way. An
 * empty prefix (local runs) allows every name.
 */
export function requireNamePrefixes(names: PrefixedName[]): void {
  const problems = names
    .filter(({ value, prefix }) => typeof value === "string" && !value.startsWith(prefix))
    .map(
      ({ field, value, prefix, setting }) =>
        `${field}: ${JSON.stringify(value)} must start with ${JSON.stringify(prefix)} (${setting}: this stack's IAM grants cover only names with that prefix)`,
    );
  if (problems.length > 0) throw new ValidationError(problems);
}
