// State machine definitions name their Lambda tasks by handler (`"FunctionName": "${seed-things}"`); the
// deployment (infra, or the local runner) decides what each name stands for.

const PLACEHOLDER = /^\$\{([a-z0-9-]+)\}$/;

/** The handler names a definition's task states call, in order of appearance. */
export function referencedHandlers(definition: unknown): string[] {
  const names = new Set<string>();
  walk(definition, (value) => {
    const match = PLACEHOLDER.exec(value);
    if (match) names.add(match[1] as string);
    return value;
  });
  return [...names];
}

/** A copy of the definition with every `${handler}` placeholder replaced; unknown names are an error. */
export function substituteHandlers<T>(definition: T, resolve: (handler: string) => string | undefined): T {
  return walk(structuredClone(definition), (value) => {
    const match = PLACEHOLDER.exec(value);
    if (!match) return value;
    const replacement = resolve(match[1] as string);
    if (replacement === undefined) throw new Error(`state machine refers to unknown handler "${match[1]}"`);
    return replacement;
  });
}

function walk<T>(node: T, onString: (value: string) => string): T {
  if (typeof node === "string") return onString(node) as T;
  if (Array.isArray(node)) return node.map((item) => walk(item, onString)) as T;
  if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node))
      (node as Record<string, unknown>)[key] = walk(value, onString);
  }
  return node;
}
