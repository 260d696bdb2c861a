// Names the bootstrap and the fleet program must agree on. The cross-account grants name roles that may not
// exist yet, and the deploy role may manage only what the fleet program creates: both need the names in advance,
// so they are fixed here, derived from the environment (the fleet stack's name), rather than configured twice.

/** The fleet program's Pulumi project (infra/Pulumi.yaml `name`): its state lives under this name. */
export const FLEET_PROJECT = "fleet";

/** The GitHub environment a stack's `pulumi up` runs in, and the one its preview runs in. */
export const deployEnvironment = (environment: string) => environment;
export const previewEnvironment = (environment: string) => `preview-${environment}`;

export const deployRoleName = (environment: string) => `fleet-deploy-${environment}`;
export const previewRoleName = (environment: string) => `fleet-preview-${environment}`;

/** The alias of each environment's secrets key, and of the state bucket's key, in the accounts holding them. */
export const secretsKeyAlias = (environment: string) => `alias/fleet-${environment}-secrets`;
export const STATE_KEY_ALIAS = "alias/fleet-pulumi-state";

/**
 * The IAM path of every role the fleet program creates in `environment`: the deploy role may create, change, pass
 * and delete roles under it, and no other.
 */
export const workloadRolePath = (environment: string) => `/fleet/${environment}/`;

/**
 * How every name the fleet program gives a resource in `environment` starts (Pulumi's generated names start with
 * the logical name, which starts with this): the deploy role reaches functions, state machines, topics, alarms,
 * buckets and log groups with this prefix only, and the roles' boundary the same, in an account other teams share.
 */
export const resourceNamePrefix = (environment: string) => `fleet-${environment}-`;

/** The managed policy bootstrap creates as the permissions boundary of every role of the fleet in `environment`. */
export const workloadBoundaryName = (environment: string) =>
  `${resourceNamePrefix(environment)}workload-boundary`;
export const workloadBoundaryArn = (partition: string, accountId: string, environment: string) =>
  `arn:${partition}:iam::${accountId}:policy${workloadRolePath(environment)}${workloadBoundaryName(environment)}`;

/**
 * The objects of a DIY backend (s3://) holding one stack of `project`: its state, history, backups, locks and the
 * journal newer CLIs write during an update (replayed into the state if the update was interrupted).
 */
export const stackStateKeys = (project: string, stack: string) => ({
  state: `.pulumi/stacks/${project}/${stack}.json*`,
  history: `.pulumi/history/${project}/${stack}/*`,
  backups: `.pulumi/backups/${project}/${stack}/*`,
  locks: `.pulumi/locks/${project}/${stack}/*`,
  journal: `.pulumi/journal/${project}/${stack}/*`,
});

/** The backend's own metadata (layout version), read by every command. */
export const BACKEND_META_KEY = ".pulumi/meta.yaml";
