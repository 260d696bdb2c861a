// Who may assume a CI role: a job of one repository, running in one GitHub environment, in one workflow file,
// with a token GitHub's OIDC provider issued for AWS STS. The environment's protection rules (deployment branches,
// required reviewers) decide which jobs may run in it; the workflow pin keeps a role from trusting a job that is
// merely in the environment: a branch that edits ci.yml to deploy from another workflow, or a preview job that
// runs `pulumi up`, gets a token these policies refuse even if an environment rule is missing.
//
// AWS evaluates only the standard claims of GitHub's tokens (aud, sub), not job_workflow_ref itself. So the
// repository's tokens carry it in their subject: a one-time customization (infra/README.md, "GitHub") makes the
// `sub` of every token of the repository `repo:<owner>/<repo>:environment:<env>:job_workflow_ref:<workflow>@<ref>`.
import { type PolicyDocument, policyDocument } from "../../../src/policies/document";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_URL = `https://${GITHUB_OIDC_HOST}`;
export const STS_AUDIENCE = "sts.amazonaws.com";

/** The only workflow whose jobs run `pulumi up` (called by ci.yml), and the one whose jobs preview. */
export const DEPLOY_WORKFLOW = ".github/workflows/pulumi-up.yml";
export const PREVIEW_WORKFLOW = ".github/workflows/preview.yml";
/** Deployments run the workflow as it is on main; a preview runs the pull request's merge ref. */
export const DEPLOY_REF = "refs/heads/main";

/** The `sub` of a job of `repository` (owner/name) in `environment`, running `workflow` at `ref`. */
export const jobSubject = (repository: string, environment: string, workflow: string, ref: string) =>
  `repo:${repository}:environment:${environment}:job_workflow_ref:${repository}/${workflow}@${ref}`;

/** Trust for `pulumi up`: jobs of pulumi-up.yml as it is on main, in the environment `environment`. */
export const deployTrustPolicy = (providerArn: string, repository: string, environment: string) =>
  githubTrustPolicy(
    providerArn,
    "StringEquals",
    jobSubject(repository, environment, DEPLOY_WORKFLOW, DEPLOY_REF),
  );

/** Trust for `pulumi preview`: jobs of preview.yml, at any pull request's ref, in the environment `environment`. */
export const previewTrustPolicy = (providerArn: string, repository: string, environment: string) =>
  githubTrustPolicy(providerArn, "StringLike", jobSubject(repository, environment, PREVIEW_WORKFLOW, "*"));

const githubTrustPolicy = (
  providerArn: string,
  match: "StringEquals" | "StringLike",
  subject: string,
): PolicyDocument => {
  const audience = { [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE };
  const sub = { [`${GITHUB_OIDC_HOST}:sub`]: subject };
  return policyDocument([
    {
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: ["sts:AssumeRoleWithWebIdentity"],
      Condition:
        match === "StringEquals"
          ? { StringEquals: { ...audience, ...sub } }
          : { StringEquals: audience, StringLike: sub },
    },
  ]);
};
