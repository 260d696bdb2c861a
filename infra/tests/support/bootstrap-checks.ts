// The checks every bootstrap stack must pass, run against the bootstrap program under mocks with the stack's own
// config (bootstrap/Pulumi.<stack>.yaml). Each tests/unit/bootstrap-<stack>.test.ts calls describeBootstrapStack
// once: Pulumi's runtime is per test file.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { type BootstrapConfig, parseBootstrapConfig } from "../../bootstrap/src/config";
import {
  BACKEND_META_KEY,
  deployRoleName,
  previewRoleName,
  resourceNamePrefix,
  secretsKeyAlias,
  stackStateKeys,
  workloadBoundaryArn,
  workloadBoundaryName,
  workloadRolePath,
} from "../../bootstrap/src/naming";
import { GITHUB_OIDC_HOST } from "../../bootstrap/src/policies/github-trust";
import { workloadBoundaryStatements } from "../../bootstrap/src/policies/workload-boundary";
import type { PolicyDocument, PolicyStatement } from "../../src/policies/document";
import type { RecordedResource } from "../../tools/mocks";
import { BOOTSTRAP_PROGRAM } from "../../tools/program-bundle";
import { type Synthesis, synthesize } from "../../tools/synthesize";
import { protectionProblems } from "./protection-checks";

const json = <T = PolicyDocument>(value: unknown) => JSON.parse(value as string) as T;
const granted = (document: PolicyDocument, action: string, effect = "Allow") =>
  document.Statement.filter((s) => s.Effect === effect && s.Action.includes(action)).flatMap(
    (s) => s.Resource ?? [],
  );
const actionsOf = (document: PolicyDocument) =>
  document.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action);
const statementWith = (document: PolicyDocument, action: string, effect = "Allow") =>
  document.Statement.filter((s) => s.Effect === effect && s.Action.includes(action));

/** A bootstrap stack's config as the program reads it, from the values the CLI passes (objects as JSON). */
export function bootstrapConfigOf(config: Record<string, string>): BootstrapConfig {
  const raw = (key: string) => config[`fleet-bootstrap:${key}`];
  const object = (key: string) => (raw(key) === undefined ? undefined : JSON.parse(raw(key) as string));
  return parseBootstrapConfig({
    accountId: raw("accountId"),
    region: config["aws:region"],
    repository: raw("repository"),
    environments: object("environments"),
    githubOidcProviderArn: raw("githubOidcProviderArn"),
    hostState: object("hostState"),
    remoteState: object("remoteState"),
    tags: object("tags"),
  });
}

export function describeBootstrapStack(stack: string): void {
  let synthesis: Synthesis;
  const config = () => bootstrapConfigOf(synthesis.config);
  const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type && r.custom);
  const named = (type: string, name: string): RecordedResource => {
    const found = ofType(type).find((r) => r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}`);
    return found;
  };
  const role = (environment: string, kind: "deploy" | "preview") =>
    named("aws:iam/role:Role", `${environment}-${kind}`);
  const rolePolicy = (environment: string, kind: "deploy" | "preview") =>
    json(named("aws:iam/rolePolicy:RolePolicy", `${environment}-${kind}-policy`).inputs.policy);
  const stateBucket = () => {
    const bucket = (config().hostState ?? config().remoteState)?.bucket;
    if (!bucket) throw new Error(`bootstrap stack ${stack} names no state bucket`);
    return bucket;
  };
  const stateBucketArn = () => `arn:aws:s3:::${stateBucket()}`;
  /** The state bucket's key: created here, or the holding account's. */
  const stateKeyArn = () =>
    config().remoteState?.keyArn ?? (named("aws:kms/key:Key", "state-key").computed.arn as string);
  const secretsKey = (environment: string) => named("aws:kms/key:Key", `${environment}-secrets`);
  const roleArn = (accountId: string, name: string) => `arn:aws:iam::${accountId}:role/${name}`;
  const s3Context = (objects: string[]) => ({
    StringEquals: { "kms:ViaService": `s3.${config().region}.amazonaws.com` },
    StringLike: { "kms:EncryptionContext:aws:s3:arn": objects },
  });

  describe(`bootstrap stack ${stack}`, () => {
    beforeAll(async () => {
      synthesis = await synthesize(stack, undefined, {}, BOOTSTRAP_PROGRAM);
    }, 120_000);

    it("turns job and job-execution events on for the account, once, for every fleet stack in it", () => {
      const configurations = synthesis.resources.filter(
        (r) => r.type === "aws:iot/eventConfigurations:EventConfigurations",
      );
      expect(configurations.map((r) => r.inputs.eventConfigurations)).toEqual([
        { JOB: true, JOB_EXECUTION: true },
      ]);
    });

    it("works only in the stack's own account and region", () => {
      const provider = named("pulumi:providers:aws", "aws");
      expect(provider.inputs.region).toBe(config().region);
      expect(json<string[]>(provider.inputs.allowedAccountIds)).toEqual([config().accountId]);
    });

    it("trusts GitHub's OIDC provider for AWS STS tokens only", () => {
      const providers = ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
      if (config().githubOidcProviderArn) {
        expect(providers).toEqual([]);
      } else {
        expect(providers.map((p) => p.inputs)).toEqual([
          { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: ["sts.amazonaws.com"] },
        ]);
      }
    });

    it("a deploy role is assumable only by pulumi-up.yml on main in its GitHub environment, a preview role only by preview.yml in preview-<env>", () => {
      const { repository, environments } = config();
      const oidc = `arn:aws:iam::${config().accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
      const audience = { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com" };
      const sub = `${GITHUB_OIDC_HOST}:sub`;
      for (const environment of environments) {
        for (const [kind, roleName, condition] of [
          [
            "deploy",
            deployRoleName(environment),
            {
              StringEquals: {
                ...audience,
                [sub]: `repo:${repository}:environment:${environment}:job_workflow_ref:${repository}/.github/workflows/pulumi-up.yml@refs/heads/main`,
              },
            },
          ],
          [
            "preview",
            previewRoleName(environment),
            {
              StringEquals: audience,
              StringLike: {
                [sub]: `repo:${repository}:environment:preview-${environment}:job_workflow_ref:${repository}/.github/workflows/preview.yml@*`,
              },
            },
          ],
        ] as const) {
          const { inputs } = role(environment, kind);
          expect(inputs.name).toBe(roleName);
          expect(json(inputs.assumeRolePolicy).Statement).toEqual([
            {
              Effect: "Allow",
              Principal: { Federated: config().githubOidcProviderArn ?? oidc },
              Action: ["sts:AssumeRoleWithWebIdentity"],
              Condition: condition,
            },
          ]);
        }
      }
      expect(ofType("aws:iam/role:Role")).toHaveLength(2 * environments.length);
    });

    it("a deploy role may create and change only the fleet's roles of its environment, each with the environment's boundary, which it cannot loosen", () => {
      const { accountId, environments } = config();
      for (const environment of environments) {
        const policy = rolePolicy(environment, "deploy");
        const workloadRoles = `arn:aws:iam::${accountId}:role${workloadRolePath(environment)}*`;
        const boundary = workloadBoundaryArn("aws", accountId, environment);
        const allowsIam = policy.Statement.filter(
          (s) => s.Effect === "Allow" && s.Action.some((a) => a.startsWith("iam:")),
        );
        expect(allowsIam.flatMap((s) => s.Resource)).toEqual([workloadRoles, workloadRoles, workloadRoles]);
        expect(statementWith(policy, "iam:CreateRole")).toEqual([
          {
            Effect: "Allow",
            Action: ["iam:CreateRole", "iam:PutRolePolicy"],
            Resource: [workloadRoles],
            Condition: { StringEquals: { "iam:PermissionsBoundary": boundary } },
          },
        ]);
        expect(statementWith(policy, "iam:PassRole")).toEqual([
          {
            Effect: "Allow",
            Action: ["iam:PassRole"],
            Resource: [workloadRoles],
            Condition: {
              // Functions, state machines, the telemetry delivery stream and its topic rule.
              StringEquals: {
                "iam:PassedToService": [
                  "firehose.amazonaws.com",
                  "iot.amazonaws.com",
                  "lambda.amazonaws.com",
                  "scheduler.amazonaws.com",
                  "states.amazonaws.com",
                ],
              },
            },
          },
        ]);
        // Attaching a managed policy (AdministratorAccess, say) to a role it creates is not among them.
        expect(actionsOf(policy)).not.toContain("iam:AttachRolePolicy");
        expect(granted(policy, "iam:DeleteRolePermissionsBoundary", "Deny")).toEqual([workloadRoles]);
        expect(statementWith(policy, "iam:PutRolePermissionsBoundary", "Deny")[0]?.Condition).toEqual({
          StringNotEquals: { "iam:PermissionsBoundary": boundary },
        });
        for (const action of ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:SetDefaultPolicyVersion"]) {
          expect(granted(policy, action, "Deny")).toEqual([boundary]);
        }
      }
    });

    it("creates each environment's boundary where the deploy role expects it, limiting its roles to fleet work", () => {
      const { accountId, environments, region } = config();
      const boundaries = ofType("aws:iam/policy:Policy");
      expect(boundaries).toHaveLength(environments.length);
      for (const environment of environments) {
        const boundary = named("aws:iam/policy:Policy", `${environment}-workload-boundary`);
        expect(boundary.computed.arn).toBe(workloadBoundaryArn("aws", accountId, environment));
        expect({ name: boundary.inputs.name, path: boundary.inputs.path }).toEqual({
          name: workloadBoundaryName(environment),
          path: workloadRolePath(environment),
        });
        const statements = json(boundary.inputs.policy).Statement;
        expect(statements).toEqual(
          workloadBoundaryStatements({ partition: "aws", region, accountId }, environment),
        );
        // No IAM or STS beyond passing the environment's roles to IoT (an OTA stream's role): a role under the
        // boundary can create no role and assume none. KMS only to sign with the environment's signing keys.
        const sensitive = statements.filter((s) => s.Action.some((a) => /^(iam|sts|kms):/.test(a)));
        expect(sensitive.map((s) => ({ actions: s.Action, condition: s.Condition }))).toEqual([
          {
            actions: ["kms:Sign"],
            condition: { StringLike: { "aws:ResourceTag/fleet-signing": `fleet-${environment}-*` } },
          },
          {
            actions: ["iam:PassRole"],
            condition: { StringEquals: { "iam:PassedToService": "iot.amazonaws.com" } },
          },
        ]);
      }
    });

    it("a deploy role reaches only the resources named with its environment's prefix, and the state bucket not at all", () => {
      for (const environment of config().environments) {
        const policy = rolePolicy(environment, "deploy");
        const prefix = resourceNamePrefix(environment);
        for (const action of [
          "lambda:CreateFunction",
          "states:CreateStateMachine",
          "sns:CreateTopic",
          "sqs:CreateQueue",
          "dynamodb:CreateTable",
          "s3:CreateBucket",
        ]) {
          expect({ action, resources: granted(policy, action) }).toEqual({
            action,
            resources: [expect.stringMatching(new RegExp(`[:/]${prefix}\\*$`))],
          });
        }
        for (const action of [
          "s3:DeleteBucket",
          "s3:PutBucketPolicy",
          "s3:PutBucketTagging",
          "s3:DeleteBucketOwnershipControls",
        ]) {
          expect(granted(policy, action, "Deny")).toEqual([stateBucketArn()]);
        }
      }
    });

    it("a deploy role writes only its own stack's state, using the state key only through S3 for those objects", () => {
      const bucketArn = stateBucketArn();
      for (const environment of config().environments) {
        const policy = rolePolicy(environment, "deploy");
        const keys = stackStateKeys("fleet", environment);
        expect(Object.values(keys)).toContain(`.pulumi/journal/fleet/${environment}/*`);
        expect(granted(policy, "s3:PutObject")).toEqual(
          Object.values(keys).map((key) => `${bucketArn}/${key}`),
        );
        expect(granted(policy, "s3:DeleteObject")).toEqual(granted(policy, "s3:PutObject"));
        const read = [`${bucketArn}/${BACKEND_META_KEY}`, ...granted(policy, "s3:PutObject")];
        expect(granted(policy, "s3:GetObject")).toEqual(read);
        expect(statementWith(policy, "kms:GenerateDataKey")).toEqual([
          {
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: [stateKeyArn()],
            Condition: s3Context(read),
          },
        ]);
      }
    });

    it("a preview role only reads its stack's state and decrypts it", () => {
      const bucketArn = stateBucketArn();
      for (const environment of config().environments) {
        const policy = rolePolicy(environment, "preview");
        expect(actionsOf(policy).sort()).toEqual([
          "iot:DescribeEndpoint",
          "kms:Decrypt",
          "kms:Decrypt",
          "s3:GetObject",
          "s3:ListBucket",
        ]);
        const read = [
          `${bucketArn}/${BACKEND_META_KEY}`,
          `${bucketArn}/${stackStateKeys("fleet", environment).state}`,
        ];
        expect(granted(policy, "s3:GetObject")).toEqual(read);
        expect(statementWith(policy, "kms:Decrypt")).toEqual([
          { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [stateKeyArn()], Condition: s3Context(read) },
          { Effect: "Allow", Action: ["kms:Decrypt"], Resource: [secretsKey(environment).computed.arn] },
        ]);
      }
    });

    it("each environment has its own secrets key, which only its deploy and preview roles may use", () => {
      const { accountId, environments } = config();
      for (const environment of environments) {
        const key = secretsKey(environment);
        expect(key.inputs).toEqual(
          expect.objectContaining({ enableKeyRotation: true, deletionWindowInDays: 30 }),
        );
        expect(
          ofType("aws:kms/alias:Alias").filter((alias) => alias.inputs.name === secretsKeyAlias(environment)),
        ).toHaveLength(1);
        const using = json(key.inputs.policy).Statement.filter((s) =>
          s.Action.some((a) => ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"].includes(a)),
        );
        expect(
          using.map((s) => [s.Action, s.Condition?.ArnEquals?.["aws:PrincipalArn"] ?? "account"]),
        ).toEqual([
          // An administrator initializes the stack (its data key); nobody else may encrypt, and none decrypt.
          [["kms:Encrypt"], "account"],
          [["kms:Decrypt", "kms:Encrypt"], roleArn(accountId, deployRoleName(environment))],
          [["kms:Decrypt"], roleArn(accountId, previewRoleName(environment))],
        ]);
        expect(granted(rolePolicy(environment, "deploy"), "kms:Encrypt")).toEqual([key.computed.arn]);
        const outputs = synthesis.outputs.environments as Record<string, { secretsProvider: string }>;
        expect(outputs[environment]?.secretsProvider).toBe(
          `awskms:///${key.computed.arn}?region=${config().region}`,
        );
      }
      // Every other key is the state bucket's.
      expect(ofType("aws:kms/key:Key")).toHaveLength(environments.length + (config().hostState ? 1 : 0));
    });

    it("protects every resource as its type's class says: the state bucket, its safeguards and the keys are never deleted with the stack", () => {
      expect(protectionProblems(synthesis.resources, true)).toEqual([]);
    });

    it("holds the state bucket and its key only where configured, the bucket encrypted per object with it", () => {
      const { hostState } = config();
      const buckets = ofType("aws:s3/bucket:Bucket");
      if (!hostState) {
        expect(buckets).toEqual([]);
        return;
      }
      expect(buckets.map((b) => b.inputs.bucket)).toEqual([hostState.bucket]);
      expect(named("aws:kms/key:Key", "state-key").inputs).toEqual(
        expect.objectContaining({ enableKeyRotation: true, deletionWindowInDays: 30 }),
      );
      const encryption = ofType(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      )[0];
      // No S3 Bucket Key: each object's ARN is the encryption context the key policy limits each role to.
      expect(encryption?.inputs.rules).toEqual([
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateKeyArn() },
          bucketKeyEnabled: false,
        },
      ]);
      const lifecycle = ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")[0];
      expect(
        (lifecycle?.inputs.rules as Array<Record<string, unknown>> | undefined)?.[0]
          ?.noncurrentVersionExpiration,
      ).toEqual({
        noncurrentDays: hostState.noncurrentVersionDays,
      });
    });

    it("lets exactly the shared environments' roles of their accounts use the state and its key, each for its own stack", () => {
      const { hostState, accountId } = config();
      if (!hostState) return;
      const bucketArn = stateBucketArn();
      const bucketPolicy = json(ofType("aws:s3/bucketPolicy:BucketPolicy")[0]?.inputs.policy);
      const keyPolicy = json(named("aws:kms/key:Key", "state-key").inputs.policy);
      const principalOf = (s: PolicyStatement) =>
        `${[s.Principal?.AWS].flat().join()} as ${s.Condition?.ArnEquals?.["aws:PrincipalArn"]}`;
      const crossAccount = (document: PolicyDocument) =>
        document.Statement.filter((s) => s.Effect === "Allow" && s.Condition?.ArnEquals);
      const expected = Object.entries(hostState.sharedWith).flatMap(([environment, other]) =>
        [deployRoleName(environment), previewRoleName(environment)].map(
          (name) => `arn:aws:iam::${other}:root as ${roleArn(other, name)}`,
        ),
      );
      expect([...new Set(crossAccount(bucketPolicy).map(principalOf))].sort()).toEqual(expected.sort());
      expect(crossAccount(keyPolicy).map(principalOf).sort()).toEqual(expected.sort());
      for (const [environment, other] of Object.entries(hostState.sharedWith)) {
        const preview = (s: PolicyStatement) => principalOf(s).endsWith(previewRoleName(environment));
        const deploy = (s: PolicyStatement) => principalOf(s).endsWith(deployRoleName(environment));
        const objects = (filter: (s: PolicyStatement) => boolean, action: string) =>
          crossAccount(bucketPolicy)
            .filter((s) => filter(s) && s.Action.includes(action))
            .flatMap((s) => s.Resource);
        const keys = stackStateKeys("fleet", environment);
        expect(objects(deploy, "s3:PutObject")).toEqual(Object.values(keys).map((k) => `${bucketArn}/${k}`));
        expect(objects(preview, "s3:PutObject")).toEqual([]);
        const previewRead = [`${bucketArn}/${BACKEND_META_KEY}`, `${bucketArn}/${keys.state}`];
        expect(objects(preview, "s3:GetObject")).toEqual(previewRead);
        const previewKey = crossAccount(keyPolicy).filter(preview);
        expect(previewKey.map((s) => [s.Action, s.Condition])).toEqual([
          [
            ["kms:Decrypt"],
            {
              ArnEquals: { "aws:PrincipalArn": roleArn(other, previewRoleName(environment)) },
              ...s3Context(previewRead),
            },
          ],
        ]);
        expect(other).not.toBe(accountId);
      }
      // This account uses the key only through S3 too, and administers it without using it otherwise.
      const own = keyPolicy.Statement.filter((s) => !s.Condition?.ArnEquals);
      expect(own.map((s) => [s.Sid, s.Condition])).toEqual([
        ["ThisAccountAdministers", undefined],
        ["ThisAccountThroughS3", s3Context([`${bucketArn}/*`])],
      ]);
      expect(
        own[0]?.Action.filter((a) => ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"].includes(a)),
      ).toEqual([]);
      // The bucket refuses requests without TLS, whoever sends them.
      expect(bucketPolicy.Statement[0]).toEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    });

    it("exports the backend and, per environment, its secrets provider and each GitHub environment's role", () => {
      const { environments, region } = config();
      const outputs = synthesis.outputs as {
        stateBackend: { url: string; keyArn: string };
        environments: Record<string, { githubEnvironments: Record<string, { AWS_ROLE_ARN: string }> }>;
      };
      expect(outputs.stateBackend).toEqual({
        url: `s3://${stateBucket()}?region=${region}`,
        keyArn: stateKeyArn(),
      });
      for (const environment of environments) {
        expect(outputs.environments[environment]?.githubEnvironments).toEqual({
          [environment]: { AWS_ROLE_ARN: role(environment, "deploy").computed.arn },
          [`preview-${environment}`]: { AWS_ROLE_ARN: role(environment, "preview").computed.arn },
        });
      }
    });
  });
}
