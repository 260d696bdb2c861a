// ota-deploy's section of the stack's dashboard, from the names the job-metrics, force-stopper and deployer
// handlers emit.
import {
  DEPLOYER_METRICS,
  DETAIL_METRICS,
  EXECUTION_STATUSES,
  FORCE_STOPPER,
  JOB_METRICS_SERVICE,
  STACK_METRICS,
} from "@fleet/ota-deploy/metrics";
import { type DashboardSection, fleetMetric } from "./dashboard";

/**
 * What an operator watches of the rollouts: deploy executions running (the deployer's gauge, counted each run),
 * the schedule queue's starts, retries and failures, executions per status, downloadTime p50/p99, job
 * completions, cancels and force-stops; the job-metrics handler's sums over the stack's jobs.
 */
export function otaDeployWidgets(): DashboardSection {
  const deployer = (metricName: string, options: Record<string, unknown>) =>
    fleetMetric(DEPLOYER_METRICS.service, metricName, options);
  const jobMetric = (metricName: string, options: Record<string, unknown> = {}) =>
    fleetMetric(JOB_METRICS_SERVICE, metricName, options);
  return {
    title: "Firmware rollouts (ota-deploy)",
    widgets: [
      {
        title: "Rollouts in progress (deploy executions running, counted by each deployer run)",
        metrics: [deployer(DEPLOYER_METRICS.rolloutsInProgress, { stat: "Maximum", label: "running" })],
      },
      {
        title: "Schedule queue: deployments started, retried, failed",
        metrics: [
          deployer(DEPLOYER_METRICS.started, { label: "started" }),
          deployer(DEPLOYER_METRICS.retried, { label: "start retried" }),
          deployer(DEPLOYER_METRICS.failed, { label: "failed (alarmed)" }),
          deployer(DEPLOYER_METRICS.malformed, { label: "malformed items skipped (alarmed)" }),
        ],
      },
      {
        title: "Job executions per status",
        stacked: true,
        metrics: EXECUTION_STATUSES.map((status) =>
          jobMetric(`${STACK_METRICS.executionsPrefix}${status}`, { label: status }),
        ),
      },
      {
        title: `${DETAIL_METRICS.downloadTime} (seconds) p50 / p99`,
        metrics: [
          jobMetric(STACK_METRICS.downloadTime, { stat: "p50", label: "p50" }),
          jobMetric(STACK_METRICS.downloadTime, { stat: "p99", label: "p99" }),
        ],
      },
      {
        title: "Jobs completed, cancelled and force-stopped",
        metrics: [
          jobMetric(STACK_METRICS.jobsCompleted, { label: "completed" }),
          jobMetric(STACK_METRICS.jobsCanceled, {
            label: "cancelled (any cause: abort criteria, force-stop, clean-up, operator)",
          }),
          fleetMetric(FORCE_STOPPER.service, FORCE_STOPPER.metricName, {
            label: "force-stopped by an alarm",
          }),
          jobMetric(STACK_METRICS.malformed, { label: "malformed events" }),
        ],
      },
    ],
  };
}
