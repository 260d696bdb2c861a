// The checks every stack must pass, run against the real program under mocks with the stack's own config.
// They know no domain: they loop over the manifests of the packages the stack must deploy (every domain
// package of the workspace, see workspaceManifests) and derive what each must look like from its manifest.
// Each tests/unit/stack-<name>.test.ts calls describeStack once: Pulumi's runtime is per test file.
import { existsSync } from "node:fs";
import path from "node:path";
import { BUNDLE_ENTRY_FILE } from "@fleet/bundle/locate";
import {
  handlerResources,
  type PackageManifest,
  type QueueSpec,
  type ResourceSpec,
  referencedHandlers,
  resourceVariables,
} from "@fleet/manifest";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { loadManifests } from "@fleet/manifest/workspace";
import { aslProblems } from "@fleet/testing/asl";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { PLATFORM_KEYS, PROJECT } from "../../src/config";
import { type AwsScope, executionsOf, type PolicyDocument } from "../../src/policies/document";
import { RESOURCE_KINDS } from "../../src/resource-kinds";
import { deployedManifest } from "../../src/test-fleet";
import type { RecordedResource } from "../../tools/mocks";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";
import { bundledOperations, requiredActions } from "./bundle-commands";
import { deployRoleOf, unmanageable } from "./deploy-role-checks";
import { deploymentOf, TEST_FLEET_ACTIONS } from "./deployment-checks";
import { policyProblems, trustProblems } from "./policy-checks";

const repoRoot = findRepoRoot(import.meta.dirname);

/** The manifest of every domain package in the workspace: what every stack deploys. */
export const workspaceManifests = (): Promise<PackageManifest[]> => loadManifests(repoRoot);

/** A domain's key in the stack's config (`fleet:<key>`) and in the program's outputs: `jobs-targeting` → `jobsTargeting`. */
export const domainKey = (manifest: PackageManifest) =>
  manifest.name.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

type Kind = ResourceSpec["kind"];

/** The resource a package resource of `kind` is, whose ARN its IAM grants name. */
const typeOf = (kind: Kind) => RESOURCE_KINDS[kind].types[0] as string;

/** What a variable carrying a resource of each kind holds (the manifest's contract), from what AWS computed. */
const VALUE_FIELD: Record<Kind, string> = { bucket: "bucket", table: "name", topic: "arn", queue: "url" };

/** Services whose resources in a function's policy can only be the packages' own. */
const OWNED_SERVICES = ["s3", "dynamodb", "sns", "sqs", "states"];

export interface StackUnderTest {
  stack: string;
  /**
   * The packages the program must deploy, each as its component named after the manifest; a stack without
   * test-fleet tools (fleet:deployment) must deploy each without them.
   */
  manifests: PackageManifest[];
  /** Another build of the program (default: its sources), and config keys added to the stack's. */
  program?: string;
  extraConfig?: Record<string, string>;
}

export function describeStack({ stack, manifests: packages, program, extraConfig }: StackUnderTest): void {
  const { testFleetTools, namePrefix } = deploymentOf(stack);
  const manifests = packages.map((manifest) => deployedManifest(manifest, testFleetTools));
  let synthesis: Synthesis;
  let scope: AwsScope;
  const handlers = manifests.flatMap((manifest) =>
    Object.entries(manifest.handlers)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([handler, spec]) => ({ manifest, handler, spec, label: `${manifest.name}/${handler}` })),
  );
  /** Every resource of `kind` a package owns. */
  const ownedOfKind = <K extends Kind>(kind: K) =>
    manifests.flatMap((manifest) =>
      Object.entries(manifest.resources).flatMap(([name, spec]) =>
        spec.kind === kind ? [{ manifest, name, spec: spec as Extract<ResourceSpec, { kind: K }> }] : [],
      ),
    );
  const stateMachines = manifests.flatMap((manifest) =>
    Object.entries(manifest.stateMachines).map(([name, { definition }]) => ({
      manifest,
      name,
      definition,
      label: `${manifest.name}/${name}`,
    })),
  );
  const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type && r.custom);
  const named = (type: string, name: string): RecordedResource => {
    const found = ofType(type).find((r) => r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}`);
    return found;
  };
  const json = <T = PolicyDocument>(value: unknown) => JSON.parse(value as string) as T;
  const configObject = (key: string) =>
    JSON.parse(synthesis.config[key] as string) as Record<string, unknown>;
  const rolePolicies = () =>
    ofType("aws:iam/rolePolicy:RolePolicy").map((r) => ({ name: r.name, document: json(r.inputs.policy) }));
  const fn = (manifest: PackageManifest, handler: string) =>
    named("aws:lambda/function:Function", `${namePrefix}${manifest.name}-${handler}`);
  const functionPolicy = (manifest: PackageManifest, handler: string) =>
    json(
      named("aws:iam/rolePolicy:RolePolicy", `${namePrefix}${manifest.name}-${handler}-policy`).inputs.policy,
    );
  const variablesOf = (manifest: PackageManifest, handler: string) =>
    (fn(manifest, handler).inputs.environment as { variables: Record<string, string> }).variables;
  const stateMachine = (manifest: PackageManifest, name: string) =>
    named("aws:sfn/stateMachine:StateMachine", `${namePrefix}${manifest.name}-${name}`);
  const granted = (document: PolicyDocument, action: string) =>
    document.Statement.filter((s) => s.Effect === "Allow" && s.Action.includes(action)).flatMap(
      (s) => s.Resource ?? [],
    );

  /** What the stack created for a resource or state machine of a package: its value for variables, its ARN. */
  const created = (manifest: PackageManifest, name: string) => {
    const spec = manifest.resources[name];
    if (!spec) {
      const arn = stateMachine(manifest, name).computed.arn as string;
      return { value: arn, arn, covers: (r: string) => r === arn || r === executionsOf(arn) };
    }
    const resource = named(typeOf(spec.kind), `${namePrefix}${manifest.name}-${name}`);
    const arn = resource.computed.arn as string;
    const value = resource.computed[VALUE_FIELD[spec.kind]] as string;
    return { value, arn, covers: (r: string) => r === arn || r.startsWith(`${arn}/`) };
  };
  /** The ARNs of the topics components create themselves and declare in their outputs (DomainOutputs.topics). */
  const componentTopics = () =>
    Object.values(synthesis.outputs).flatMap((output) =>
      Object.values((output as { topics?: Record<string, string> } | undefined)?.topics ?? {}),
    );
  /** Every resource and state machine of every package, with the package that owns it. */
  const owned = () =>
    manifests.flatMap((manifest) =>
      [...Object.keys(manifest.resources), ...Object.keys(manifest.stateMachines)].map((name) => ({
        manifest,
        name,
        ...created(manifest, name),
      })),
    );

  describe(`stack ${stack}`, () => {
    beforeAll(async () => {
      synthesis = await synthesize(stack, program, extraConfig);
      scope = {
        partition: "aws",
        region: synthesis.config["aws:region"] as string,
        accountId: MOCK_ACCOUNT_ID,
      };
    }, 120_000);

    it("deploys with the stack's region and tags on every resource (provider default tags)", () => {
      const provider = named("pulumi:providers:aws", "aws");
      expect(provider.inputs.region).toBe(scope.region);
      expect(json<{ tags: unknown }>(provider.inputs.defaultTags).tags).toEqual(
        configObject(`${PROJECT}:tags`),
      );
    });

    it("has a config block for each package it deploys and none for another", () => {
      const blocks = Object.keys(synthesis.config)
        .filter((key) => key.startsWith(`${PROJECT}:`))
        .map((key) => key.slice(PROJECT.length + 1))
        .filter((key) => !PLATFORM_KEYS.includes(key));
      expect(blocks.sort()).toEqual(manifests.map(domainKey).sort());
    });

    it("creates every function, role, policy, log group and alarm of every manifest, and every state machine", () => {
      for (const { manifest, handler } of handlers) {
        for (const [type, name] of [
          ["aws:lambda/function:Function", `${namePrefix}${manifest.name}-${handler}`],
          ["aws:iam/role:Role", `${namePrefix}${manifest.name}-${handler}-role`],
          ["aws:iam/rolePolicy:RolePolicy", `${namePrefix}${manifest.name}-${handler}-policy`],
          ["aws:cloudwatch/logGroup:LogGroup", `${namePrefix}${manifest.name}-${handler}-logs`],
          ["aws:cloudwatch/metricAlarm:MetricAlarm", `${namePrefix}${manifest.name}-${handler}-errors`],
        ] as const) {
          expect(named(type, name).name).toBe(name);
        }
      }
      expect(ofType("aws:lambda/function:Function")).toHaveLength(handlers.length);
      for (const { manifest, name } of stateMachines) {
        expect(stateMachine(manifest, name).inputs.type).toBe("STANDARD");
        for (const outcome of ["failed", "timed-out"]) {
          named("aws:cloudwatch/metricAlarm:MetricAlarm", `${namePrefix}${manifest.name}-${name}-${outcome}`);
        }
      }
      expect(ofType("aws:sfn/stateMachine:StateMachine")).toHaveLength(stateMachines.length);
      for (const alarm of ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
        expect(alarm.inputs.alarmActions).toEqual([synthesis.outputs.alertTopicArn]);
      }
      // The operator's address on the alert topic (a domain may subscribe others to its own topics).
      expect(ofType("aws:sns/topicSubscription:TopicSubscription").map((r) => r.inputs)).toContainEqual(
        expect.objectContaining({
          topic: synthesis.outputs.alertTopicArn,
          protocol: "email",
          endpoint: synthesis.config[`${PROJECT}:alertEmail`],
        }),
      );
    });

    it("creates exactly the resources the manifests own, each of its kind (and the platform's alert topic, and the topics components declare)", () => {
      for (const kind of Object.keys(RESOURCE_KINDS) as Kind[]) {
        const expected = ownedOfKind(kind).map(
          ({ manifest, name }) => `${namePrefix}${manifest.name}-${name}`,
        );
        const names = ofType(typeOf(kind))
          .filter((r) => r.computed.arn !== synthesis.outputs.alertTopicArn)
          .filter((r) => !componentTopics().includes(r.computed.arn as string))
          .map((r) => r.name);
        expect({ kind, names: names.sort() }).toEqual({ kind, names: expected.sort() });
      }
    });

    it("the environment's deploy role may manage every resource the stack creates", () => {
      expect(unmanageable(synthesis.resources, deployRoleOf(scope, stack))).toEqual([]);
    });

    describe("IAM", () => {
      it("every role policy passes the least-privilege rules (no * action, * resource only where unavoidable)", () => {
        const policies = rolePolicies();
        expect(policies.length).toBeGreaterThan(handlers.length);
        for (const { name, document } of policies)
          expect({ name, problems: policyProblems(document, scope) }).toEqual({ name, problems: [] });
      });

      it("every AWS operation a handler's bundle can send is allowed by its role, but test-fleet work without the tools", () => {
        // Some handler's bundle holds commands (the reader finds them); one may hold none (a Firehose
        // transformation is handed its batch and calls nothing).
        const bundleOf = (manifest: PackageManifest, handler: string) =>
          path.join(repoRoot, manifest.packageDir, "dist", handler, BUNDLE_ENTRY_FILE);
        expect(
          handlers.some(({ manifest, handler }) => bundledOperations(bundleOf(manifest, handler)).length > 0),
        ).toBe(true);
        for (const { manifest, handler, label } of handlers) {
          const operations = bundledOperations(bundleOf(manifest, handler));
          const policy = functionPolicy(manifest, handler);
          const variables = variablesOf(manifest, handler);
          const required = requiredActions(operations, variables);
          // Without test-fleet tools, a handler whose code can delete things is not granted it, and is told so.
          const withheld = testFleetTools
            ? []
            : required.filter((action) => TEST_FLEET_ACTIONS.includes(action));
          if (withheld.length > 0) {
            expect({ label, withheld, TEST_FLEET_TOOLS: variables.TEST_FLEET_TOOLS }).toEqual({
              label,
              withheld,
              TEST_FLEET_TOOLS: "false",
            });
          }
          const denied = required.filter(
            (action) => !withheld.includes(action) && granted(policy, action).length === 0,
          );
          expect({ label, denied }).toEqual({ label, denied: [] });
        }
      });

      it("a role names the packages' own buckets, tables, topics, queues and state machines exactly where its manifest entry uses them", () => {
        const resources = owned();
        for (const { manifest, handler, spec, label } of handlers) {
          const arns = functionPolicy(manifest, handler).Statement.flatMap((s) =>
            s.Effect === "Allow" ? (s.Resource ?? []) : [],
          );
          const reached = resources
            .filter((resource) => arns.some(resource.covers))
            .map((resource) => `${resource.manifest.name}/${resource.name}`);
          const uses = handlerResources(spec).map((name) => `${manifest.name}/${name}`);
          expect({ label, reached: [...new Set(reached)].sort() }).toEqual({ label, reached: uses });
          // No bucket, table, topic, queue or state machine but a package's own (S3 ARNs carry no account), or
          // a topic its component declares.
          const foreign = arns.filter(
            (arn) =>
              OWNED_SERVICES.some((service) => arn.startsWith(`arn:aws:${service}:`)) &&
              !resources.some((resource) => resource.covers(arn)) &&
              !componentTopics().includes(arn),
          );
          expect({ label, foreign }).toEqual({ label, foreign: [] });
        }
      });

      it("functions trust only Lambda; state machine roles only Step Functions of this account", () => {
        for (const { manifest, handler } of handlers) {
          const role = named("aws:iam/role:Role", `${namePrefix}${manifest.name}-${handler}-role`);
          expect(trustProblems(json(role.inputs.assumeRolePolicy), "lambda.amazonaws.com")).toEqual([]);
        }
        for (const { manifest, name } of stateMachines) {
          const trust = json(
            named("aws:iam/role:Role", `${namePrefix}${manifest.name}-${name}-role`).inputs.assumeRolePolicy,
          );
          expect(trustProblems(trust, "states.amazonaws.com")).toEqual([]);
          expect(trust.Statement[0]?.Condition).toEqual({
            StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
            ArnLike: { "aws:SourceArn": `arn:aws:states:${scope.region}:${MOCK_ACCOUNT_ID}:stateMachine:*` },
          });
        }
      });

      it("a state machine may invoke exactly the functions its definition calls", () => {
        for (const { manifest, name, definition, label } of stateMachines) {
          const policy = json(
            named("aws:iam/rolePolicy:RolePolicy", `${namePrefix}${manifest.name}-${name}-policy`).inputs
              .policy,
          );
          const steps = referencedHandlers(definition);
          expect({ label, steps: steps.length > 0 }).toEqual({ label, steps: true });
          expect(granted(policy, "lambda:InvokeFunction")).toEqual(
            steps.map((step) => fn(manifest, step).computed.arn).sort(),
          );
        }
      });
    });

    it("buckets are encrypted, versioned, private, TLS-only and expire old versions", () => {
      for (const bucket of ofType("aws:s3/bucket:Bucket")) {
        const prefix = bucket.name;
        expect(
          named("aws:s3/bucketVersioning:BucketVersioning", `${prefix}-versioning`).inputs
            .versioningConfiguration,
        ).toEqual({ status: "Enabled" });
        const encryption = named(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          `${prefix}-encryption`,
        );
        expect(encryption.inputs.rules).toEqual([
          { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ]);
        expect(
          named("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `${prefix}-public-access`).inputs,
        ).toEqual(
          expect.objectContaining({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
          }),
        );
        const policy = json(named("aws:s3/bucketPolicy:BucketPolicy", `${prefix}-policy`).inputs.policy);
        expect(policy.Statement).toContainEqual(
          expect.objectContaining({
            Effect: "Deny",
            Action: ["s3:*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        );
        const rules = named(
          "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
          `${prefix}-lifecycle`,
        ).inputs.rules as Array<Record<string, unknown>>;
        expect(rules).toContainEqual(
          expect.objectContaining({
            status: "Enabled",
            noncurrentVersionExpiration: { noncurrentDays: expect.any(Number) },
          }),
        );
      }
    });

    it("tables are on demand, encrypted with the account's key and restorable to any point in time", () => {
      for (const table of ofType("aws:dynamodb/table:Table")) {
        expect({ table: table.name, inputs: table.inputs }).toEqual({
          table: table.name,
          inputs: expect.objectContaining({
            billingMode: "PAY_PER_REQUEST",
            serverSideEncryption: { enabled: true },
            pointInTimeRecovery: { enabled: true },
          }),
        });
      }
    });

    it("the packages' topics are encrypted with the account's AWS-managed SNS key", () => {
      for (const { manifest, name } of ownedOfKind("topic")) {
        const topic = named(typeOf("topic"), `${namePrefix}${manifest.name}-${name}`);
        expect({ topic: topic.name, key: topic.inputs.kmsMasterKeyId }).toEqual({
          topic: topic.name,
          key: "alias/aws/sns",
        });
      }
    });

    it("queues are encrypted, keep messages 14 days and move them to their dead-letter queue as the manifest says", () => {
      const redriveOf = (manifest: PackageManifest, { deadLetter }: QueueSpec) =>
        deadLetter && {
          deadLetterTargetArn: created(manifest, deadLetter.queue).arn,
          maxReceiveCount: deadLetter.maxReceives,
        };
      for (const { manifest, name, spec } of ownedOfKind("queue")) {
        const { inputs } = named(typeOf("queue"), `${namePrefix}${manifest.name}-${name}`);
        const redrive = inputs.redrivePolicy && JSON.parse(inputs.redrivePolicy as string);
        expect({ queue: name, inputs, redrive }).toEqual({
          queue: name,
          inputs: expect.objectContaining({ sqsManagedSseEnabled: true, messageRetentionSeconds: 1_209_600 }),
          redrive: redriveOf(manifest, spec),
        });
      }
    });

    it("every log group keeps its events for the stack's retention", () => {
      const groups = ofType("aws:cloudwatch/logGroup:LogGroup");
      // One per function and state machine, and those a component adds (a delivery stream's).
      expect(groups.length).toBeGreaterThanOrEqual(handlers.length + stateMachines.length);
      for (const group of groups)
        expect({ group: group.name, days: group.inputs.retentionInDays }).toEqual({
          group: group.name,
          days: Number(synthesis.config[`${PROJECT}:logRetentionDays`]),
        });
    });

    it.each(handlers)(
      "$label: Node.js on arm64 from its own bundle, every variable it reads set as its manifest and config say",
      ({ manifest, handler, spec }) => {
        const { inputs } = fn(manifest, handler);
        expect(inputs).toEqual(
          expect.objectContaining({
            runtime: "nodejs22.x",
            architectures: ["arm64"],
            handler: "index.handler",
            tracingConfig: { mode: "Active" },
          }),
        );
        const archive = (inputs.code as { fileArchive: string }).fileArchive;
        expect(archive.endsWith(path.join(manifest.packageDir, "dist", handler))).toBe(true);
        expect(existsSync(path.join(archive, BUNDLE_ENTRY_FILE))).toBe(true);
        const variables = variablesOf(manifest, handler);
        const env = spec.env;
        for (const [name, spec] of Object.entries(env)) {
          if (spec.required)
            expect({ name, value: variables[name] }).toEqual({ name, value: expect.stringMatching(/\S/) });
        }
        for (const [name, resource] of Object.entries(resourceVariables(manifest)).filter(
          ([v]) => v in env,
        )) {
          expect({ name, value: variables[name] }).toEqual({
            name,
            value: created(manifest, resource).value,
          });
        }
        const block = configObject(`${PROJECT}:${domainKey(manifest)}`) as {
          rates: Record<string, number>;
          settings: Record<string, string | number>;
        };
        for (const [name, value] of Object.entries({ ...block.rates, ...block.settings })) {
          if (name in env) expect({ name, value: variables[name] }).toEqual({ name, value: String(value) });
        }
      },
    );

    describe.each(stateMachines)("state machine $label", ({ manifest, name, definition: source }) => {
      const definition = () => json<Record<string, unknown>>(stateMachine(manifest, name).inputs.definition);

      it("is valid Amazon States Language", () => {
        expect(aslProblems(definition())).toEqual([]);
      });

      it("has every ${handler} placeholder replaced by the ARN of that handler's function", () => {
        const text = JSON.stringify(definition());
        expect(text).not.toContain("${");
        for (const step of referencedHandlers(source))
          expect(text).toContain(JSON.stringify(fn(manifest, step).computed.arn));
      });

      it("logs to its own log group and is traced", () => {
        expect(stateMachine(manifest, name).inputs.loggingConfiguration).toEqual(
          expect.objectContaining({
            level: "ERROR",
            logDestination: expect.stringMatching(/:log-group:\/aws\/vendedlogs\/states\/.+:\*$/),
          }),
        );
        expect(stateMachine(manifest, name).inputs.tracingConfiguration).toEqual({ enabled: true });
      });
    });

    it("exports, per package, each resource's value, each state machine's ARN, each function's name and ARN, and the topics its component creates", () => {
      for (const manifest of manifests) {
        const outputs = synthesis.outputs[domainKey(manifest)] as { topics?: Record<string, string> };
        // A component's own topic is a topic of the stack named `<prefix><package>-<name>`.
        const topics = Object.keys(outputs.topics ?? {}).map((name) => [
          name,
          named(typeOf("topic"), `${namePrefix}${manifest.name}-${name}`).computed.arn,
        ]);
        expect(outputs).toEqual({
          ...(outputs.topics ? { topics: Object.fromEntries(topics) } : {}),
          resources: Object.fromEntries(
            Object.keys(manifest.resources).map((name) => [name, created(manifest, name).value]),
          ),
          stateMachines: Object.fromEntries(
            Object.keys(manifest.stateMachines).map((name) => [name, created(manifest, name).arn]),
          ),
          functions: Object.fromEntries(
            Object.keys(manifest.handlers).map((handler) => [
              handler,
              { name: fn(manifest, handler).computed.name, arn: fn(manifest, handler).computed.arn },
            ]),
          ),
        });
      }
    });
  });
}
