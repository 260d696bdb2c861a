// The checks every bootstrap stack must pass, run against the bootstrap program under mocks with the stack's own
// config (bootstrap/Pulumi.<stack>.yaml). Each tests/unit/bootstrap-<stack>.test.ts calls describeBootstrapStack
// once: Pulumi's runtime is per test file.
import { beforeAll, describe, expect, it } from "@jest/globals";
import { type BootstrapConfig, parseBootstrapConfig } from "../../bootstrap/src/config";
import {
  BACKEND_META_KEY,
  deployRoleName,
  previewRoleName,
  stackStateKeys,
  workloadRolePath,
} from "../../bootstrap/src/naming";
import { GITHUB_OIDC_HOST } from "../../bootstrap/src/policies/github-trust";
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
  const keyArn = () =>
    config().remoteState?.keyArn ?? (ofType("aws:kms/key:Key")[0]?.computed.arn as string | undefined);

  describe(`bootstrap stack ${stack}`, () => {
    beforeAll(async () => {
      synthesis = await synthesize(stack, undefined, {}, BOOTSTRAP_PROGRAM);
    }, 120_000);

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

    it("each environment's deploy role is assumable only from its GitHub environment, the preview role only from preview-<env>", () => {
      const { repository, environments } = config();
      const oidc = `arn:aws:iam::${config().accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
      for (const environment of environments) {
        for (const [kind, githubEnvironment, roleName] of [
          ["deploy", environment, deployRoleName(environment)],
          ["preview", `preview-${environment}`, previewRoleName(environment)],
        ] as const) {
          const { inputs } = role(environment, kind);
          expect(inputs.name).toBe(roleName);
          expect(json(inputs.assumeRolePolicy).Statement).toEqual([
            {
              Effect: "Allow",
              Principal: { Federated: config().githubOidcProviderArn ?? oidc },
              Action: ["sts:AssumeRoleWithWebIdentity"],
              Condition: {
                StringEquals: {
                  [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
                  [`${GITHUB_OIDC_HOST}:sub`]: `repo:${repository}:environment:${githubEnvironment}`,
                },
              },
            },
          ]);
        }
      }
      expect(ofType("aws:iam/role:Role")).toHaveLength(2 * environments.length);
    });

    it("a deploy role may create, change and pass only the fleet's roles of its environment", () => {
      const { accountId, environments } = config();
      for (const environment of environments) {
        const policy = rolePolicy(environment, "deploy");
        const workloadRoles = `arn:aws:iam::${accountId}:role${workloadRolePath(environment)}*`;
        const iamStatements = policy.Statement.filter((s) => s.Action.some((a) => a.startsWith("iam:")));
        expect(iamStatements.flatMap((s) => s.Resource)).toEqual([workloadRoles, workloadRoles]);
        const passRole = iamStatements.find((s) => s.Action.includes("iam:PassRole"));
        expect(passRole).toEqual({
          Effect: "Allow",
          Action: ["iam:PassRole"],
          Resource: [workloadRoles],
          Condition: {
            StringEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "states.amazonaws.com"] },
          },
        });
        // Attaching a managed policy (AdministratorAccess, say) to a role it creates is not among them.
        expect(actionsOf(policy)).not.toContain("iam:AttachRolePolicy");
      }
    });

    it("a deploy role writes only its own stack's state and may not loosen or delete the state bucket", () => {
      const bucketArn = stateBucketArn();
      for (const environment of config().environments) {
        const policy = rolePolicy(environment, "deploy");
        const keys = stackStateKeys("fleet", environment);
        expect(granted(policy, "s3:PutObject")).toEqual(
          Object.values(keys).map((key) => `${bucketArn}/${key}`),
        );
        expect(granted(policy, "s3:DeleteObject")).toEqual(granted(policy, "s3:PutObject"));
        expect(granted(policy, "s3:GetObject")).toEqual([
          `${bucketArn}/${BACKEND_META_KEY}`,
          ...granted(policy, "s3:PutObject"),
        ]);
        for (const action of ["s3:DeleteBucket", "s3:PutBucketPolicy", "s3:PutBucketVersioning"]) {
          expect(granted(policy, action, "Deny")).toEqual([bucketArn]);
        }
        expect(granted(policy, "kms:Encrypt")).toEqual([keyArn()]);
        expect(granted(policy, "kms:Decrypt")).toEqual([keyArn()]);
      }
    });

    it("a preview role only reads its stack's state and decrypts it", () => {
      const bucketArn = stateBucketArn();
      for (const environment of config().environments) {
        const policy = rolePolicy(environment, "preview");
        expect(actionsOf(policy).sort()).toEqual([
          "iot:DescribeEndpoint",
          "kms:Decrypt",
          "s3:GetObject",
          "s3:ListBucket",
        ]);
        expect(granted(policy, "s3:GetObject")).toEqual([
          `${bucketArn}/${BACKEND_META_KEY}`,
          `${bucketArn}/${stackStateKeys("fleet", environment).state}`,
        ]);
        expect(granted(policy, "kms:Decrypt")).toEqual([keyArn()]);
      }
    });

    it("protects every resource as its type's class says: the state bucket, its safeguards and the keys are never deleted with the stack", () => {
      expect(protectionProblems(synthesis.resources, true)).toEqual([]);
    });

    it("holds the state bucket and its key only where configured", () => {
      const { hostState } = config();
      const buckets = ofType("aws:s3/bucket:Bucket");
      const keys = ofType("aws:kms/key:Key");
      if (!hostState) {
        expect([...buckets, ...keys]).toEqual([]);
        return;
      }
      expect(buckets.map((b) => b.inputs.bucket)).toEqual([hostState.bucket]);
      expect(keys).toHaveLength(1);
      expect(keys[0]?.inputs).toEqual(
        expect.objectContaining({ enableKeyRotation: true, deletionWindowInDays: 30 }),
      );
      const encryption = ofType(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      )[0];
      expect(encryption?.inputs.rules).toEqual([
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn() },
          bucketKeyEnabled: true,
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

    it("lets exactly the shared environments' roles of their accounts use the state and the key", () => {
      const { hostState, accountId } = config();
      if (!hostState) return;
      const bucketArn = stateBucketArn();
      const bucketPolicy = json(ofType("aws:s3/bucketPolicy:BucketPolicy")[0]?.inputs.policy);
      const keyPolicy = json(ofType("aws:kms/key:Key")[0]?.inputs.policy);
      const principalOf = (s: PolicyStatement) =>
        `${[s.Principal?.AWS].flat().join()} as ${s.Condition?.ArnEquals?.["aws:PrincipalArn"]}`;
      const crossAccount = (document: PolicyDocument) =>
        document.Statement.filter((s) => s.Effect === "Allow" && s.Condition?.ArnEquals);
      const expected = Object.entries(hostState.sharedWith).flatMap(([environment, other]) =>
        [deployRoleName(environment), previewRoleName(environment)].map(
          (name) => `arn:aws:iam::${other}:root as arn:aws:iam::${other}:role/${name}`,
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
        expect(objects(preview, "s3:GetObject")).toEqual([
          `${bucketArn}/${BACKEND_META_KEY}`,
          `${bucketArn}/${keys.state}`,
        ]);
        expect(
          crossAccount(keyPolicy)
            .filter(preview)
            .flatMap((s) => s.Action),
        ).toEqual(["kms:Decrypt"]);
        expect(other).not.toBe(accountId);
      }
      // The bucket refuses requests without TLS, whoever sends them.
      expect(bucketPolicy.Statement[0]).toEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    });

    it("exports the backend, the secrets provider and each GitHub environment's role", () => {
      const { environments, region } = config();
      const outputs = synthesis.outputs as {
        stateBackend: { url: string; secretsProvider: string; secretsKeyArn: string };
        environments: Record<string, { githubEnvironments: Record<string, { AWS_ROLE_ARN: string }> }>;
      };
      const bucket = stateBucket();
      expect(outputs.stateBackend).toEqual({
        url: `s3://${bucket}?region=${region}`,
        secretsKeyArn: keyArn(),
        secretsProvider: `awskms:///${keyArn()}?region=${region}`,
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
