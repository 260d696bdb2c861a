// The two roles GitHub Actions assumes for one environment: `fleet-deploy-<env>` for `pulumi up`, trusted only
// by jobs in the GitHub environment `<env>`, and `fleet-preview-<env>` for `pulumi preview`, trusted only by jobs
// in `preview-<env>`, each with its policy written out in ../policies/ci-roles.ts; and the permissions boundary
// every role the deploy role creates must carry (../policies/workload-boundary.ts); and the environment's secrets
// key, which only these two roles may use (../policies/keys.ts).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../../../src/aws-scope";
import { type PolicyDocument, type PolicyStatement, policyDocument } from "../../../src/policies/document";
import {
  deployEnvironment,
  deployRoleName,
  previewEnvironment,
  previewRoleName,
  secretsKeyAlias,
  workloadBoundaryName,
  workloadRolePath,
} from "../naming";
import { type CiRoleContext, deployRoleStatements, previewRoleStatements } from "../policies/ci-roles";
import { deployTrustPolicy, previewTrustPolicy } from "../policies/github-trust";
import { secretsKeyPolicy } from "../policies/keys";
import type { StateLocation } from "../policies/state-access";
import { workloadBoundaryStatements } from "../policies/workload-boundary";

export interface EnvironmentRolesArgs {
  environment: string;
  /** owner/name of the GitHub repository. */
  repository: string;
  githubOidcProviderArn: pulumi.Input<string>;
  state: pulumi.Input<StateLocation>;
}

export class EnvironmentRoles extends pulumi.ComponentResource {
  public readonly deployRoleArn: pulumi.Output<string>;
  public readonly previewRoleArn: pulumi.Output<string>;
  public readonly boundaryArn: pulumi.Output<string>;
  /** `pulumi stack init --secrets-provider` of the environment's fleet stack: its own key. */
  public readonly secretsProvider: pulumi.Output<string>;

  constructor(name: string, args: EnvironmentRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:bootstrap:EnvironmentRoles", name, {}, opts);
    const scope = awsScope(this);
    const { environment } = args;
    // Names the roles by ARN in conditions, so it needs neither role to exist first.
    const secretsKey = new aws.kms.Key(
      `${name}-secrets`,
      {
        description: `Pulumi secrets of the fleet stack ${environment}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: scope.apply((s) => JSON.stringify(secretsKeyPolicy(s.partition, s.accountId, environment))),
      },
      { parent: this },
    );
    new aws.kms.Alias(
      `${name}-secrets-alias`,
      { name: secretsKeyAlias(environment), targetKeyId: secretsKey.keyId },
      { parent: this },
    );
    const context = pulumi.all([scope, args.state, secretsKey.arn]).apply(
      ([resolved, state, secretsKeyArn]): CiRoleContext => ({
        scope: resolved,
        state,
        environment,
        secretsKeyArn,
      }),
    );
    // Created before the deploy role can create any role, which it may only do with this boundary.
    const boundary = new aws.iam.Policy(
      `${name}-workload-boundary`,
      {
        name: workloadBoundaryName(environment),
        path: workloadRolePath(environment),
        description: `The most any role of the fleet stack ${environment} may do (its permissions boundary)`,
        policy: scope.apply((s) =>
          JSON.stringify(policyDocument(workloadBoundaryStatements(s, environment))),
        ),
      },
      { parent: this },
    );
    const role = (
      kind: string,
      roleName: string,
      githubEnvironment: string,
      trust: (providerArn: string, repository: string, environment: string) => PolicyDocument,
      statements: (context: CiRoleContext) => PolicyStatement[],
    ) => {
      const created = new aws.iam.Role(
        `${name}-${kind}`,
        {
          name: roleName,
          description: `GitHub Actions ${kind} of the fleet stack ${environment} (environment ${githubEnvironment})`,
          assumeRolePolicy: pulumi
            .output(args.githubOidcProviderArn)
            .apply((arn) => JSON.stringify(trust(arn, args.repository, githubEnvironment))),
        },
        { parent: this },
      );
      new aws.iam.RolePolicy(
        `${name}-${kind}-policy`,
        { role: created.id, policy: context.apply((c) => JSON.stringify(policyDocument(statements(c)))) },
        { parent: this },
      );
      return created.arn;
    };
    this.deployRoleArn = role(
      "deploy",
      deployRoleName(environment),
      deployEnvironment(environment),
      deployTrustPolicy,
      deployRoleStatements,
    );
    this.previewRoleArn = role(
      "preview",
      previewRoleName(environment),
      previewEnvironment(environment),
      previewTrustPolicy,
      previewRoleStatements,
    );
    this.boundaryArn = boundary.arn;
    this.secretsProvider = pulumi
      .all([secretsKey.arn, scope])
      .apply(([arn, s]) => `awskms:///${arn}?region=${s.region}`);
    this.registerOutputs({
      deployRoleArn: this.deployRoleArn,
      previewRoleArn: this.previewRoleArn,
      boundaryArn: this.boundaryArn,
      secretsProvider: this.secretsProvider,
    });
  }
}
