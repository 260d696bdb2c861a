// The checks every stack must pass, run against the real program under mocks with the stack's own config.
// Each tests/unit/stack-<name>.test.ts calls describeStack once: Pulumi's runtime is per test file.
import { existsSync } from "node:fs";
import path from "node:path";
import { BUNDLE_ENTRY_FILE } from "@fleet/bundle/manifest";
import { referencedHandlers } from "@fleet/bundle/state-machine";
import { manifest } from "@fleet/jobs-targeting";
import { beforeAll, describe, expect, it } from "@jest/globals";
import aslValidator from "asl-validator";
import type { AwsScope, PolicyDocument } from "../../src/policies/document";
import { TARGETED_JOB_STATE_MACHINE } from "../../src/policies/jobs-targeting";
import { findRepoRoot } from "../../src/repo-root";
import type { RecordedResource } from "../../tools/mocks";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";
import { bundledOperations, requiredActions } from "./bundle-commands";
import { deployedHandlers } from "./deployment-checks";
import { policyProblems, trustProblems } from "./policy-checks";

const DOMAIN = "jobs-targeting";

export function describeStack(stack: string): void {
  const handlers = deployedHandlers(stack);
  let synthesis: Synthesis;
  let scope: AwsScope;
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
  const functionPolicy = (handler: string) =>
    json(named("aws:iam/rolePolicy:RolePolicy", `${DOMAIN}-${handler}-policy`).inputs.policy);
  const fn = (handler: string) => named("aws:lambda/function:Function", `${DOMAIN}-${handler}`);
  const stateMachine = () =>
    named("aws:sfn/stateMachine:StateMachine", `${DOMAIN}-${TARGETED_JOB_STATE_MACHINE}`);
  const granted = (document: PolicyDocument, action: string) =>
    document.Statement.filter((s) => s.Effect === "Allow" && s.Action.includes(action)).flatMap(
      (s) => s.Resource ?? [],
    );

  describe(`stack ${stack}`, () => {
    beforeAll(async () => {
      synthesis = await synthesize(stack);
      scope = {
        partition: "aws",
        region: synthesis.config["aws:region"] as string,
        accountId: MOCK_ACCOUNT_ID,
      };
    }, 120_000);

    it("deploys with the stack's region and tags on every resource (provider default tags)", () => {
      const provider = named("pulumi:providers:aws", "aws");
      expect(provider.inputs.region).toBe(scope.region);
      expect(json<{ tags: unknown }>(provider.inputs.defaultTags).tags).toEqual(configObject("fleet:tags"));
    });

    it("creates every function, role, policy, log group and alarm of the manifest, and the state machine", () => {
      for (const handler of handlers) {
        for (const [type, name] of [
          ["aws:lambda/function:Function", `${DOMAIN}-${handler}`],
          ["aws:iam/role:Role", `${DOMAIN}-${handler}-role`],
          ["aws:iam/rolePolicy:RolePolicy", `${DOMAIN}-${handler}-policy`],
          ["aws:cloudwatch/logGroup:LogGroup", `${DOMAIN}-${handler}-logs`],
          ["aws:cloudwatch/metricAlarm:MetricAlarm", `${DOMAIN}-${handler}-errors`],
        ] as const) {
          expect(named(type, name).name).toBe(name);
        }
      }
      expect(ofType("aws:lambda/function:Function")).toHaveLength(handlers.length);
      expect(stateMachine().inputs.type).toBe("STANDARD");
      for (const outcome of ["failed", "timed-out"]) {
        named("aws:cloudwatch/metricAlarm:MetricAlarm", `${DOMAIN}-${TARGETED_JOB_STATE_MACHINE}-${outcome}`);
      }
      for (const alarm of ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
        expect(alarm.inputs.alarmActions).toEqual([synthesis.outputs.alertTopicArn]);
      }
      expect(ofType("aws:sns/topicSubscription:TopicSubscription").map((r) => r.inputs)).toEqual([
        expect.objectContaining({ protocol: "email", endpoint: synthesis.config["fleet:alertEmail"] }),
      ]);
    });

    describe("IAM", () => {
      it("every role policy passes the least-privilege rules (no * action, * resource only where unavoidable)", () => {
        const policies = rolePolicies();
        expect(policies.length).toBeGreaterThan(handlers.length);
        for (const { name, document } of policies)
          expect({ name, problems: policyProblems(document, scope) }).toEqual({ name, problems: [] });
      });

      it("every AWS operation a handler's bundle can send is allowed by its role", () => {
        const root = findRepoRoot(process.cwd());
        for (const handler of handlers) {
          const bundle = path.join(root, manifest.packageDir, "dist", handler, BUNDLE_ENTRY_FILE);
          const operations = bundledOperations(bundle);
          expect({ handler, operations: operations.length > 0 }).toEqual({ handler, operations: true });
          const env = (fn(handler).inputs.environment as { variables: Record<string, string> }).variables;
          const policy = functionPolicy(handler);
          const denied = requiredActions(operations, env).filter(
            (action) => granted(policy, action).length === 0,
          );
          expect({ handler, denied }).toEqual({ handler, denied: [] });
        }
      });

      it("functions trust only Lambda; the state machine role only Step Functions of this account", () => {
        for (const handler of handlers) {
          expect(
            trustProblems(
              json(named("aws:iam/role:Role", `${DOMAIN}-${handler}-role`).inputs.assumeRolePolicy),
              "lambda.amazonaws.com",
            ),
          ).toEqual([]);
        }
        const trust = json(
          named("aws:iam/role:Role", `${DOMAIN}-${TARGETED_JOB_STATE_MACHINE}-role`).inputs.assumeRolePolicy,
        );
        expect(trustProblems(trust, "states.amazonaws.com")).toEqual([]);
        expect(trust.Statement[0]?.Condition).toEqual({
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
          ArnLike: { "aws:SourceArn": `arn:aws:states:${scope.region}:${MOCK_ACCOUNT_ID}:stateMachine:*` },
        });
      });

      it("only start-targeted-job may start executions, and only of its own state machine", () => {
        for (const handler of handlers) {
          const expected = handler === "start-targeted-job" ? [stateMachine().computed.arn] : [];
          expect({ handler, resources: granted(functionPolicy(handler), "states:StartExecution") }).toEqual({
            handler,
            resources: expected,
          });
        }
      });

      it("listing and stopping executions: start-targeted-job and teardown, only for their own state machine", () => {
        const arn = stateMachine().computed.arn as string;
        const executions = `${arn.replace(":stateMachine:", ":execution:")}:*`;
        expect(executions).toMatch(
          new RegExp(`^arn:aws:states:${scope.region}:${MOCK_ACCOUNT_ID}:execution:[^:]+:\\*$`),
        );
        const expected: Record<string, Record<string, string[]>> = {
          "start-targeted-job": {
            "states:ListExecutions": [arn],
            "states:DescribeExecution": [executions],
            "states:StopExecution": [],
          },
          teardown: {
            "states:ListExecutions": [arn],
            "states:DescribeExecution": [],
            "states:StopExecution": [executions],
          },
        };
        const none = {
          "states:ListExecutions": [],
          "states:DescribeExecution": [],
          "states:StopExecution": [],
        };
        for (const handler of handlers) {
          const policy = functionPolicy(handler);
          const actual = Object.fromEntries(
            Object.keys(none).map((action) => [action, granted(policy, action)]),
          );
          expect({ handler, actual }).toEqual({ handler, actual: expected[handler] ?? none });
        }
      });

      it("S3 reads are limited to the objects of this stack's lists bucket", () => {
        const [bucket, ...others] = ofType("aws:s3/bucket:Bucket");
        expect(others).toEqual([]);
        const readers = rolePolicies().filter(({ document }) => granted(document, "s3:GetObject").length > 0);
        expect(readers.length).toBeGreaterThan(0);
        for (const { document } of readers)
          expect(granted(document, "s3:GetObject")).toEqual([`${bucket?.computed.arn}/*`]);
      });

      it("handlers that look objects up get s3:ListBucket on the lists bucket, so a missing key is a 404, not a 403", () => {
        const [bucket] = ofType("aws:s3/bucket:Bucket");
        // HeadObject (start-targeted-job, fill-exclude-group, preview) or GetObject of a named list (fast-track).
        const lookingUp = ["fast-track", "fill-exclude-group", "preview", "start-targeted-job"];
        for (const handler of handlers) {
          expect({ handler, resources: granted(functionPolicy(handler), "s3:ListBucket") }).toEqual({
            handler,
            resources: lookingUp.includes(handler) ? [bucket?.computed.arn] : [],
          });
        }
        const listers = rolePolicies().filter(
          ({ document }) => granted(document, "s3:ListBucket").length > 0,
        );
        expect(listers.map((p) => p.name).sort()).toEqual(
          lookingUp.map((handler) => `${DOMAIN}-${handler}-policy`).sort(),
        );
      });

      it("IoT actions are scoped to thing, thinggroup, job and index ARNs of this account and region", () => {
        const iotArn = new RegExp(
          `^arn:aws:iot:${scope.region}:${MOCK_ACCOUNT_ID}:(thing|thinggroup|job|index)/`,
        );
        const iotStatements = rolePolicies().flatMap(({ document }) =>
          document.Statement.filter((s) => s.Action.some((action) => action.startsWith("iot:"))),
        );
        for (const resource of iotStatements.flatMap((s) => s.Resource ?? []).filter((r) => r !== "*")) {
          expect(resource).toMatch(iotArn);
        }
        expect(granted(functionPolicy("fast-track"), "iot:UpdateThingShadow")).toEqual([
          `arn:aws:iot:${scope.region}:${MOCK_ACCOUNT_ID}:thing/*`,
        ]);
      });

      it("the state machine may invoke exactly the functions its definition calls", () => {
        const policy = json(
          named("aws:iam/rolePolicy:RolePolicy", `${DOMAIN}-${TARGETED_JOB_STATE_MACHINE}-policy`).inputs
            .policy,
        );
        const steps = referencedHandlers(manifest.stateMachines[TARGETED_JOB_STATE_MACHINE]!.definition);
        expect(steps.length).toBeGreaterThan(0);
        expect(granted(policy, "lambda:InvokeFunction")).toEqual(
          steps.map((step) => fn(step).computed.arn).sort(),
        );
      });
    });

    it("buckets are encrypted, versioned, private, TLS-only and expire old versions", () => {
      const buckets = ofType("aws:s3/bucket:Bucket");
      expect(buckets.length).toBeGreaterThan(0);
      for (const bucket of buckets) {
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

    it("every log group keeps its events for the stack's retention", () => {
      const groups = ofType("aws:cloudwatch/logGroup:LogGroup");
      expect(groups).toHaveLength(handlers.length + Object.keys(manifest.stateMachines).length);
      for (const group of groups)
        expect({ group: group.name, days: group.inputs.retentionInDays }).toEqual({
          group: group.name,
          days: Number(synthesis.config["fleet:logRetentionDays"]),
        });
    });

    it.each(handlers)(
      "%s: Node.js on arm64 from its own bundle, with every variable it reads set",
      (handler) => {
        const { inputs } = fn(handler);
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
        const variables = (inputs.environment as { variables: Record<string, string> }).variables;
        for (const [name, spec] of Object.entries(manifest.handlers[handler]!.env)) {
          if (spec.required)
            expect({ name, value: variables[name] }).toEqual({ name, value: expect.stringMatching(/\S/) });
        }
        const configured = configObject("fleet:jobsTargeting") as { rates: Record<string, number> };
        for (const [name, rate] of Object.entries(configured.rates)) {
          if (name in manifest.handlers[handler]!.env) expect(variables[name]).toBe(String(rate));
        }
      },
    );

    describe("state machine", () => {
      const definition = () => json<Record<string, unknown>>(stateMachine().inputs.definition);

      it("is valid Amazon States Language", () => {
        const result = aslValidator(structuredClone(definition()));
        expect(result.errorsText()).toBe("");
        expect(result.isValid).toBe(true);
      });

      it("has every ${handler} placeholder replaced by the ARN of that handler's function", () => {
        const text = JSON.stringify(definition());
        expect(text).not.toContain("${");
        const steps = referencedHandlers(manifest.stateMachines[TARGETED_JOB_STATE_MACHINE]!.definition);
        for (const step of steps) expect(text).toContain(JSON.stringify(fn(step).computed.arn));
      });

      it("logs to its own log group and is traced", () => {
        expect(stateMachine().inputs.loggingConfiguration).toEqual(
          expect.objectContaining({
            level: "ERROR",
            logDestination: expect.stringMatching(/:log-group:\/aws\/vendedlogs\/states\/.+:\*$/),
          }),
        );
        expect(stateMachine().inputs.tracingConfiguration).toEqual({ enabled: true });
      });
    });

    it("exports the bucket, the state machine ARN and every function's name and ARN", () => {
      const outputs = synthesis.outputs.jobsTargeting as {
        listsBucket: string;
        stateMachineArn: string;
        functions: Record<string, { name: string; arn: string }>;
      };
      expect(outputs.listsBucket).toMatch(/^jobs-targeting-lists-/);
      expect(outputs.stateMachineArn).toMatch(new RegExp(`^arn:aws:states:${scope.region}:`));
      expect(Object.keys(outputs.functions).sort()).toEqual(handlers);
      for (const handler of handlers)
        expect(outputs.functions[handler]?.arn).toMatch(/:function:jobs-targeting-/);
    });
  });
}
