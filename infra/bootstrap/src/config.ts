// The bootstrap stack's configuration (Pulumi.<account>.yaml): one stack per AWS account. Read once and checked
// as a whole: every problem is reported together, before any resource exists.
import * as pulumi from "@pulumi/pulumi";
import { isRecord } from "../../src/records";

/** This account holds the Pulumi state bucket and its key for itself and for the accounts it shares them with. */
export interface HostedState {
  bucket: string;
  /** Days a replaced state file version is kept (default 90). */
  noncurrentVersionDays: number;
  /** Environments deployed from other accounts, with their account id: their roles may use the state and key. */
  sharedWith: Record<string, string>;
}

/** Another account holds the Pulumi state bucket and its key (its bootstrap stack's output stateBackend). */
export interface RemoteState {
  bucket: string;
  keyArn: string;
}

export interface BootstrapConfig {
  /** The AWS account this stack is for: the provider refuses to work in any other. */
  accountId: string;
  region: string;
  /** `owner/name` of the GitHub repository whose workflows may assume the roles. */
  repository: string;
  /** Environments (fleet stacks) deployed to this account; each gets a deploy and a preview role. */
  environments: string[];
  /** The account's existing GitHub OIDC provider, when it has one already (one per account and URL). */
  githubOidcProviderArn?: string;
  hostState?: HostedState;
  remoteState?: RemoteState;
  tags: Record<string, string>;
}

const ACCOUNT_ID = /^\d{12}$/;
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,20}$/;
const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
// S3 bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens, starting and ending alphanumeric.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const OIDC_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

export function readBootstrapConfig(): BootstrapConfig {
  const config = new pulumi.Config();
  return parseBootstrapConfig({
    accountId: config.get("accountId"),
    region: new pulumi.Config("aws").get("region"),
    repository: config.get("repository"),
    environments: config.getObject("environments"),
    githubOidcProviderArn: config.get("githubOidcProviderArn"),
    hostState: config.getObject("hostState"),
    remoteState: config.getObject("remoteState"),
    tags: config.getObject("tags"),
  });
}

/** Checks raw config values; throws one error naming every missing or malformed key. */
export function parseBootstrapConfig(raw: Record<keyof BootstrapConfig, unknown>): BootstrapConfig {
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const { accountId, region, repository, environments, githubOidcProviderArn, hostState, remoteState, tags } =
    raw;
  check(
    typeof accountId === "string" && ACCOUNT_ID.test(accountId),
    "fleet-bootstrap:accountId must be the 12-digit id of the AWS account this stack is for (quoted)",
  );
  check(
    typeof region === "string" && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region),
    "aws:region must be an AWS region, e.g. eu-west-1",
  );
  check(
    typeof repository === "string" && REPOSITORY.test(repository),
    "fleet-bootstrap:repository must be the GitHub repository as owner/name",
  );
  const envs = Array.isArray(environments) ? environments : [];
  check(
    envs.length > 0 && envs.every((env) => typeof env === "string" && ENVIRONMENT.test(env)),
    "fleet-bootstrap:environments must list the environments deployed to this account (lowercase names, e.g. [dev])",
  );
  check(
    githubOidcProviderArn === undefined ||
      (typeof githubOidcProviderArn === "string" && OIDC_ARN.test(githubOidcProviderArn)),
    "fleet-bootstrap:githubOidcProviderArn must be the ARN of the account's token.actions.githubusercontent.com provider",
  );
  check(
    (hostState === undefined) !== (remoteState === undefined),
    "set exactly one of fleet-bootstrap:hostState (this account holds the state) and fleet-bootstrap:remoteState (another does)",
  );
  if (hostState !== undefined) problems.push(...hostStateProblems(hostState, envs));
  if (remoteState !== undefined) problems.push(...remoteStateProblems(remoteState));
  check(
    isRecord(tags) && Object.values(tags).every((value) => typeof value === "string"),
    "fleet-bootstrap:tags must map tag keys to strings",
  );
  if (problems.length > 0) throw new Error(`Invalid bootstrap configuration: ${problems.join("; ")}`);
  const host = hostState as (Partial<HostedState> & { bucket: string }) | undefined;
  return {
    ...(raw as unknown as BootstrapConfig),
    hostState: host && {
      bucket: host.bucket,
      noncurrentVersionDays: host.noncurrentVersionDays ?? 90,
      sharedWith: host.sharedWith ?? {},
    },
  };
}

function hostStateProblems(value: unknown, localEnvironments: unknown[]): string[] {
  const key = "fleet-bootstrap:hostState";
  if (!isRecord(value)) return [`${key} must be a map with bucket, noncurrentVersionDays and sharedWith`];
  const problems: string[] = [];
  if (typeof value.bucket !== "string" || !BUCKET.test(value.bucket)) {
    problems.push(`${key}.bucket must be a valid S3 bucket name, got ${JSON.stringify(value.bucket)}`);
  }
  const days = value.noncurrentVersionDays;
  if (days !== undefined && !(Number.isInteger(days) && (days as number) > 0)) {
    problems.push(`${key}.noncurrentVersionDays must be a positive integer, got ${JSON.stringify(days)}`);
  }
  const shared = value.sharedWith ?? {};
  if (!isRecord(shared)) return [...problems, `${key}.sharedWith must map environments to account ids`];
  for (const [env, account] of Object.entries(shared)) {
    if (!ENVIRONMENT.test(env))
      problems.push(`${key}.sharedWith: ${JSON.stringify(env)} is not an environment name`);
    if (typeof account !== "string" || !ACCOUNT_ID.test(account)) {
      problems.push(
        `${key}.sharedWith.${env} must be a 12-digit account id (quoted), got ${JSON.stringify(account)}`,
      );
    }
    if (localEnvironments.includes(env)) {
      problems.push(
        `${key}.sharedWith.${env}: ${env} is deployed to this account (fleet-bootstrap:environments)`,
      );
    }
  }
  return problems;
}

function remoteStateProblems(value: unknown): string[] {
  const key = "fleet-bootstrap:remoteState";
  if (!isRecord(value)) return [`${key} must be a map with bucket and keyArn`];
  const problems: string[] = [];
  if (typeof value.bucket !== "string" || !BUCKET.test(value.bucket)) {
    problems.push(`${key}.bucket must be a valid S3 bucket name, got ${JSON.stringify(value.bucket)}`);
  }
  if (typeof value.keyArn !== "string" || !KEY_ARN.test(value.keyArn)) {
    problems.push(
      `${key}.keyArn must be the state bucket key's ARN (output stateBackend.keyArn of the account holding the state), got ${JSON.stringify(value.keyArn)}`,
    );
  }
  return problems;
}
