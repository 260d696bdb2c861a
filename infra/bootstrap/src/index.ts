// The bootstrap program, once per AWS account: GitHub's OIDC provider, each environment's deploy and preview
// roles, permissions boundary and secrets key, and - in the account that holds them - the Pulumi state bucket and
// its key with grants for the other accounts. The only module with side effects: config → components → outputs (the values to set in
// GitHub and in each fleet stack, see infra/README.md "Bootstrap").
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { protectStatefulResources } from "../../src/protection";
import { EnvironmentRoles } from "./components/environment-roles";
import { StateBackend } from "./components/state-backend";
import { type BootstrapConfig, readBootstrapConfig } from "./config";
import { deployEnvironment, previewEnvironment } from "./naming";
import { GITHUB_OIDC_URL, STS_AUDIENCE } from "./policies/github-trust";
import type { StateLocation } from "./policies/state-access";

const config = readBootstrapConfig();
// The state bucket, its configurations and the keys are never deleted or replaced by a stack operation.
pulumi.runtime.registerResourceTransform(protectStatefulResources);

const provider = new aws.Provider("aws", {
  region: config.region,
  // Refuses to touch any account but the one this stack is for (a mix-up of credentials and stack files).
  allowedAccountIds: [config.accountId],
  defaultTags: { tags: config.tags },
});
const opts = { providers: [provider] };

const oidcProviderArn =
  config.githubOidcProviderArn ??
  new aws.iam.OpenIdConnectProvider(
    "github",
    { url: GITHUB_OIDC_URL, clientIdLists: [STS_AUDIENCE] },
    { provider },
  ).arn;

// Job and job-execution events (ota-deploy's job-metrics rules, retry-workflow's job-executions rule) are one
// setting per account and region: owned here, once, rather than by each fleet stack, where two stacks in one
// account would fight over it and destroying either would turn the other's events off. Only these two types
// are set; the account's other event types are left as they are. (Fleet stacks deploy in this region.)
new aws.iot.EventConfigurations(
  "iot-events",
  { eventConfigurations: { JOB: true, JOB_EXECUTION: true } },
  { provider },
);

const partition = aws.getPartitionOutput({}, { provider }).partition;
/** Where the state is: the bucket and key this account holds, or another account's (exactly one is configured). */
function stateLocation({ hostState, remoteState }: BootstrapConfig): pulumi.Output<StateLocation> {
  if (hostState) {
    const hosted = new StateBackend("state", hostState, opts);
    return pulumi.all([partition, hosted.bucketName, hosted.keyArn]).apply(([p, bucket, keyArn]) => ({
      partition: p,
      bucket,
      keyArn,
    }));
  }
  if (!remoteState)
    throw new Error("Invalid bootstrap configuration: neither hostState nor remoteState is set");
  return partition.apply((p) => ({ partition: p, ...remoteState }));
}
const state = stateLocation(config);

const roles = Object.fromEntries(
  config.environments.map((environment) => [
    environment,
    new EnvironmentRoles(
      environment,
      { environment, repository: config.repository, githubOidcProviderArn: oidcProviderArn, state },
      opts,
    ),
  ]),
);

/** The backend every fleet stack logs in to, and the state bucket's key (remoteState.keyArn of the other accounts). */
export const stateBackend = state.apply(({ bucket, keyArn }) => ({
  url: `s3://${bucket}?region=${keyArn.split(":")[3]}`,
  keyArn,
}));
export const githubOidcProviderArn = oidcProviderArn;
/**
 * Per environment: its fleet stack's secrets provider (`pulumi stack init --secrets-provider`), the GitHub
 * environments to create and the role ARN each gets as AWS_ROLE_ARN.
 */
export const environments = Object.fromEntries(
  Object.entries(roles).map(([environment, role]) => [
    environment,
    {
      secretsProvider: role.secretsProvider,
      githubEnvironments: {
        [deployEnvironment(environment)]: { AWS_ROLE_ARN: role.deployRoleArn },
        [previewEnvironment(environment)]: { AWS_ROLE_ARN: role.previewRoleArn },
      },
    },
  ]),
);
