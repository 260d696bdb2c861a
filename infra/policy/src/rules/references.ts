// Which resource of the stack a property refers to. The engine records, per input property, the resources its
// value came from (propertyDependencies): that works in a preview too, before ARNs and names are known. Where it
// recorded none (a value written out literally, or a record made without the engine), the value is compared.
import type { PolicyResource } from "@pulumi/policy";

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
  const value = propertyValue(resource.props);
  return value === undefined ? [] : candidates.filter((candidate) => identifierOf(candidate) === value);
}
