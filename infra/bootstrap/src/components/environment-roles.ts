// The two roles GitHub Actions assumes for one environment: `fleet-deploy-<env>` for `pulumi up`, trusted only
// by jobs in the GitHub environment `<env>`, and `fleet-preview-<env>` for `pulumi preview`, trusted only by jobs
// in `preview-<env>`. Each with its policy written out in ../policies/ci-roles.ts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../../../src/aws-scope";
import { type PolicyStatement, policyDocument } from "../../../src/policies/document";
import { deployEnvironment, deployRoleName, previewEnvironment, previewRoleName } from "../naming";
import { type CiRoleContext, deployRoleStatements, previewRoleStatements } from "../policies/ci-roles";
import { githubTrustPolicy } from "../policies/github-trust";
import type { StateLocation } from "../policies/state-access";

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

  constructor(name: string, args: EnvironmentRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:bootstrap:EnvironmentRoles", name, {}, opts);
    const context = pulumi
      .all([awsScope(this), args.state])
      .apply(([scope, state]): CiRoleContext => ({ scope, state, environment: args.environment }));
    const role = (
      kind: string,
      roleName: string,
      githubEnvironment: string,
      statements: (context: CiRoleContext) => PolicyStatement[],
    ) => {
      const created = new aws.iam.Role(
        `${name}-${kind}`,
        {
          name: roleName,
          description: `GitHub Actions ${kind} of the fleet stack ${args.environment} (environment ${githubEnvironment})`,
          assumeRolePolicy: pulumi
            .output(args.githubOidcProviderArn)
            .apply((arn) => JSON.stringify(githubTrustPolicy(arn, args.repository, githubEnvironment))),
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
    const { environment } = args;
    this.deployRoleArn = role(
      "deploy",
      deployRoleName(environment),
      deployEnvironment(environment),
      deployRoleStatements,
    );
    this.previewRoleArn = role(
      "preview",
      previewRoleName(environment),
      previewEnvironment(environment),
      previewRoleStatements,
    );
    this.registerOutputs({ deployRoleArn: this.deployRoleArn, previewRoleArn: this.previewRoleArn });
  }
}
