// Who may assume a CI role: a GitHub Actions job of one repository running in one GitHub environment, with a
// token GitHub's OIDC provider issued for AWS STS. The environment carries the guard: its protection rules
// (deployment branches, required reviewers) decide which jobs may run in it, so a job outside it, such as
// any pull request job that does not name it, gets a token this trust policy refuses.
import { type PolicyDocument, policyDocument } from "../../../src/policies/document";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
export const STS_AUDIENCE = "sts.amazonaws.com";

/** The `sub` claim of a job running in `environment` of `repository` (owner/name). */
export const environmentSubject = (repository: string, environment: string) =>
  `repo:${repository}:environment:${environment}`;

export const githubTrustPolicy = (
  providerArn: string,
  repository: string,
  environment: string,
): PolicyDocument =>
  policyDocument([
    {
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: ["sts:AssumeRoleWithWebIdentity"],
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: environmentSubject(repository, environment),
        },
      },
    },
  ]);
