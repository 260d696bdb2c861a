// A package's state machine definition says `"FunctionName": "${<handler>}"`; deployment puts ARNs there.

const PLACEHOLDER = /\$\{([^}]*)\}/g;

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** The handler names the definition refers to, sorted and without duplicates. */
export function referencedHandlers(definition: Record<string, unknown>): string[] {
  const names = strings(definition).flatMap((text) =>
    [...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ""),
  );
  return [...new Set(names)].sort();
}

/** The definition with every `${handler}` replaced by that function's ARN; an unknown name is an error. */
export function substituteFunctionArns(
  definition: Record<string, unknown>,
  functionArns: Record<string, string>,
): Record<string, unknown> {
  const unknown = referencedHandlers(definition).filter((name) => !(name in functionArns));
  if (unknown.length > 0) {
    throw new Error(
      `the definition refers to ${unknown.map((name) => `\${${name}}`).join(", ")}, which is no function`,
    );
  }
  const replace = (value: unknown): unknown => {
    if (typeof value === "string")
      return value.replace(PLACEHOLDER, (_, name: string) => functionArns[name] as string);
    if (Array.isArray(value)) return value.map(replace);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replace(inner)]));
    }
    return value;
  };
  return replace(definition) as Record<string, unknown>;
}
