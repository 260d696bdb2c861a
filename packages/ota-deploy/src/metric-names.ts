// The names of every metric ota-deploy's job-metrics handler publishes, shared with infra's dashboard and the
// deployment config's alarms so a chart or an alarm can never name a metric nothing emits.

/** The seed's namespace: per job (dimension `jobId`), shared by every stack in the account. */
export const JOB_EXECUTION_NAMESPACE = "IoT:OTA:JobExecution";
/** The metric dimension the job-execution metrics carry, and every round alarm watches. */
export const JOB_ID_DIMENSION = "jobId";
/** The handler's name, the `service` dimension of what it publishes in the stack's namespace. */
export const JOB_METRICS_SERVICE = "job-metrics";
/** The force stopper's `service` dimension (its handler's name) and the count it publishes per job it stops. */
export const FORCE_STOPPER = { service: "force-stopper", metricName: "ForceStopped" } as const;

export const EXECUTION_STATUSES = [
  "QUEUED",
  "IN_PROGRESS",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "REJECTED",
  "REMOVED",
  "CANCELED",
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** `<status>Count`, 1 an event, per job. */
export const executionCountMetric = (status: ExecutionStatus) => `${status}Count`;

/** Per job, from the execution's status details (seconds; retries the device reports). */
export const DETAIL_METRICS = { downloadTime: "downloadTime", retryCount: "retryCount" } as const;

/** Job events counted: per job and, summed, in the stack's namespace (a cancel is an abort or an operator's). */
export const JOB_OPERATIONS = {
  completed: { perJob: "jobCompletedCount", stack: "Jobs_completed" },
  canceled: { perJob: "jobCanceledCount", stack: "Jobs_canceled" },
} as const;

/** In the stack's namespace (`Fleet/<stack>`), dimension `service: job-metrics`: every job of the stack summed. */
export const STACK_METRICS = {
  /** `Executions_<status>`: job-execution events of that status. */
  executionsPrefix: "Executions_",
  downloadTime: "DownloadTime",
  jobsCompleted: JOB_OPERATIONS.completed.stack,
  jobsCanceled: JOB_OPERATIONS.canceled.stack,
  malformed: "MalformedEvents",
} as const;

/**
 * The deployer's `service` dimension and what it publishes in the stack's namespace each run: the queue's
 * outcomes (counts) and the deploy executions running after the run (a gauge: chart and alarm on its Maximum).
 */
export const DEPLOYER_METRICS = {
  service: "deployer",
  started: "DeploymentsStarted",
  retried: "DeploymentStartsRetried",
  failed: "DeploymentsFailed",
  malformed: "MalformedQueueItems",
  rolloutsInProgress: "RolloutsInProgress",
} as const;
