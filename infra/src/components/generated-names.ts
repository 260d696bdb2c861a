// Pulumi names a resource after its logical name plus `-` and 7 random hex digits, and fails at deployment when
// that is longer than AWS allows. The stack's name prefix makes logical names long (`fleet-staging-<package>-
// <handler>-role`), so components check them up front, naming the resource to shorten.
const GENERATED_SUFFIX = "-xxxxxxx".length;

/** Why `logicalName`'s generated name would be too long for a `kind` (AWS's `max`), or undefined when it fits. */
export function generatedNameProblem(logicalName: string, kind: string, max: number): string | undefined {
  const length = logicalName.length + GENERATED_SUFFIX;
  return length > max
    ? `the ${kind} name ${logicalName}-xxxxxxx would have ${length} characters, more than the ${max} AWS allows: shorten the package's name or its handler's, state machine's or resource's`
    : undefined;
}
