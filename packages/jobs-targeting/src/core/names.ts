// AWS IoT naming rules (the service model's patterns and lengths), checked before anything is created.
import { THING_NAME, ValidationError } from "@fleet/shared-aws";

/** Thing and thing group names: 1–128 of `[a-zA-Z0-9:_-]` (shared-aws THING_NAME). */
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

/** Which of the stack's prefixes (set by infra from its fleet:deployment.iot) each named field must carry. */
const PREFIX_OF = {
  demoThingPrefix: "THING_NAME_PREFIX",
  thingPrefix: "THING_NAME_PREFIX",
  jobName: "GROUP_NAME_PREFIX",
  groupName: "GROUP_NAME_PREFIX",
  staticGroupName: "GROUP_NAME_PREFIX",
} as const;
type NamePrefixes = Record<(typeof PREFIX_OF)[keyof typeof PREFIX_OF], string>;

/**
 * A deployed stack grants its tools only names under its prefixes, so a name outside them is refused before
 * any call, naming the field and the prefix, instead of denied half-way. An empty prefix (local runs) allows
 * every name; an absent field is not checked.
 */
export function requireNamePrefixes(
  prefixes: Partial<NamePrefixes>,
  names: Partial<Record<keyof typeof PREFIX_OF, string | null | undefined>>,
): void {
  const problems = Object.entries(names).flatMap(([field, value]) => {
    const setting = PREFIX_OF[field as keyof typeof PREFIX_OF];
    const prefix = prefixes[setting] ?? "";
    return typeof value === "string" && !value.startsWith(prefix)
      ? [
          `${field}: ${JSON.stringify(value)} must start with ${JSON.stringify(prefix)} (${setting}: this stack's IAM grants cover only names with that prefix)`,
        ]
      : [];
  });
  if (problems.length > 0) throw new ValidationError(problems);
}
