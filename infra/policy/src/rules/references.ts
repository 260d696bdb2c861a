// Which resource of the stack a property refers to. The engine records, per input property, the resources its
// value came from (propertyDependencies): that works in a preview too, before ARNs and names are known. Where it
// recorded none (a value written out literally, or a record made without the engine), the value is compared.
import { type PolicyResource, UnknownValueError } from "@pulumi/policy";

/**
 * A value read from a resource's properties, or undefined while the engine does not know it (a preview of a
 * resource still to be created): reading it unguarded would make the engine skip the whole policy as advisory.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return undefined;
    throw error;
  }
}

export function referenced(
  resource: PolicyResource,
  property: string,
  candidates: PolicyResource[],
  propertyValue: (props: Record<string, unknown>) => unknown,
  identifierOf: (candidate: PolicyResource) => unknown,
): PolicyResource[] {
  const dependencies = resource.propertyDependencies?.[property] ?? [];
  if (dependencies.length > 0) {
    return candidates.filter((candidate) => dependencies.some((d) => d.urn === candidate.urn));
  }
  const value = known(() => propertyValue(resource.props));
  return value === undefined
    ? []
    : candidates.filter((candidate) => known(() => identifierOf(candidate)) === value);
}
