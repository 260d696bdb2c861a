// Names the bootstrap and the fleet program must agree on. The cross-account grants name roles that may not
// exist yet, and the deploy role may manage only the roles the fleet program creates: both need the names in
// advance, so they are fixed here rather than generated.

/** The fleet program's Pulumi project (infra/Pulumi.yaml `name`): its state lives under this name. */
export const FLEET_PROJECT = "fleet";

/** The GitHub environment a stack's `pulumi up` runs in, and the one its preview runs in. */
export const deployEnvironment = (environment: string) => environment;
export const previewEnvironment = (environment: string) => `preview-${environment}`;

export const deployRoleName = (environment: string) => `fleet-deploy-${environment}`;
export const previewRoleName = (environment: string) => `fleet-preview-${environment}`;

/**
 * The IAM path of every role the fleet program creates in `environment` (its stack config
 * `fleet:deployment.iamRolePath`): the deploy role may create, change, pass and delete roles under it, and no other.
 */
export const workloadRolePath = (environment: string) => `/fleet/${environment}/`;

/** The objects of a DIY backend (s3://) holding one stack of `project`: its state, history, backups and locks. */
export const stackStateKeys = (project: string, stack: string) => ({
  state: `.pulumi/stacks/${project}/${stack}.json*`,
  history: `.pulumi/history/${project}/${stack}/*`,
  backups: `.pulumi/backups/${project}/${stack}/*`,
  locks: `.pulumi/locks/${project}/${stack}/*`,
});

/** The backend's own metadata (layout version), read by every command. */
export const BACKEND_META_KEY = ".pulumi/meta.yaml";
