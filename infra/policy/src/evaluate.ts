// Runs policies without the engine: each resource policy on each resource's inputs, each stack policy on all
// resources' outputs, as the engine does in `pulumi preview` and `pulumi up`. What the mock tests use to hold a
// synthesized stack (or a deliberately broken resource) to the same policies the CLI enforces. Like the engine's
// policy host, it hands the policies properties that throw when a value not known yet (in a preview) is read, and
// reports a policy that read one as advisory, "can't run during preview".
import {
  type Policies,
  type PolicyResource,
  type ReportViolation,
  type ResourceValidation,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
  UnknownValueError,
  unknownCheckingProxy,
} from "@pulumi/policy";

/** The engine's value for a string not known during a preview (a new resource's ARN), as the policy host gets it. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A resource as the mocks record it. */
export interface PolicyRecord {
  type: string;
  name: string;
  /** What the program passed: resource policies see these. */
  inputs: Record<string, unknown>;
  /** Inputs with what AWS computes (ARNs, names): stack policies see these. */
  outputs: Record<string, unknown>;
  /** Per input property, the names of the records its value came from (the engine's property dependencies). */
  propertyDependencies?: Record<string, string[]>;
}

export interface Violation {
  policy: string;
  /** The resource's name, or undefined for the stack as a whole. */
  resource?: string;
  message: string;
  /** The policy read a value not known yet, so the engine could not run it (advisory, not enforced). */
  advisory?: true;
}

export interface EvaluationOptions {
  /** The region of the stack's AWS provider, which the engine passes to resource policies. */
  region?: string;
}

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};
const urnOf = (record: Pick<PolicyRecord, "type" | "name">) =>
  `urn:pulumi:offline::offline::${record.type}::${record.name}`;
const isType = (type: string) => (resourceClass: unknown) =>
  (resourceClass as { __pulumiType?: string }).__pulumiType === type;
const isResourcePolicy = (policy: Policies[number]): policy is ResourceValidationPolicy =>
  "validateResource" in policy && policy.validateResource !== undefined;
const isStackPolicy = (policy: Policies[number]): policy is StackValidationPolicy =>
  "validateStack" in policy;

const OPTIONS = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** Every violation the policies report on `records`; empty when they pass. */
export async function evaluate(
  policies: Policies,
  records: PolicyRecord[],
  options: EvaluationOptions = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const names = new Map(records.map((record) => [urnOf(record), record.name]));
  const reporter =
    (policy: string, resource?: string): ReportViolation =>
    (message, urn) =>
      violations.push({ policy, resource: (urn && names.get(urn)) ?? resource, message });
  const provider = options.region && {
    type: "pulumi:providers:aws",
    name: "aws",
    urn: urnOf({ type: "pulumi:providers:aws", name: "aws" }),
    props: { region: options.region },
  };
  const applying = async (policy: string, resource: string | undefined, run: () => Promise<void> | void) => {
    try {
      await run();
    } catch (error) {
      if (error instanceof UnknownValueError) {
        violations.push({
          policy,
          resource,
          message: `can't run during preview: ${(error as Error).message}`,
          advisory: true,
        });
      } else if (!(error instanceof NotApplicable)) {
        throw error;
      }
    }
  };

  for (const policy of policies.filter(isResourcePolicy)) {
    const validations = [policy.validateResource].flat() as ResourceValidation[];
    for (const record of records) {
      const props = unknownCheckingProxy(record.inputs);
      const args: ResourceValidationArgs = {
        type: record.type,
        name: record.name,
        urn: urnOf(record),
        props,
        opts: OPTIONS,
        stackTags: new Map(),
        ...(provider ? { provider } : {}),
        isType: isType(record.type),
        asType: ((resourceClass: unknown) =>
          isType(record.type)(resourceClass) ? props : undefined) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => ({}) as T,
        notApplicable,
      };
      for (const validation of validations)
        await applying(policy.name, record.name, () => validation(args, reporter(policy.name, record.name)));
    }
  }

  const resources: PolicyResource[] = records.map((record) => {
    const props = unknownCheckingProxy(record.outputs);
    return {
      type: record.type,
      name: record.name,
      urn: urnOf(record),
      props,
      opts: OPTIONS,
      dependencies: [],
      propertyDependencies: {},
      isType: isType(record.type),
      asType: ((resourceClass: unknown) =>
        isType(record.type)(resourceClass) ? props : undefined) as PolicyResource["asType"],
    };
  });
  const byName = new Map(resources.map((resource) => [resource.name, resource]));
  records.forEach((record, index) => {
    for (const [property, names] of Object.entries(record.propertyDependencies ?? {})) {
      (resources[index] as PolicyResource).propertyDependencies[property] = names.flatMap((name) => {
        const dependency = byName.get(name);
        return dependency ? [dependency] : [];
      });
    }
  });
  for (const policy of policies.filter(isStackPolicy)) {
    await applying(policy.name, undefined, () =>
      policy.validateStack(
        { resources, stackTags: new Map(), getConfig: <T extends object>() => ({}) as T, notApplicable },
        reporter(policy.name),
      ),
    );
  }
  return violations;
}
