// ota-deploy's section of the stack's dashboard, from the names the job-metrics and force-stopper handlers emit.
import {
  DETAIL_METRICS,
  EXECUTION_STATUSES,
  FORCE_STOPPER,
  JOB_METRICS_SERVICE,
  STACK_METRICS,
} from "@fleet/ota-deploy/metrics";
import type * as pulumi from "@pulumi/pulumi";
import { type DashboardSection, fleetMetric } from "./dashboard";

/**
 * What an operator watches of the rollouts: deploy executions running (metric math over the state machine's
 * started and ended counts, from the dashboard's start), executions per status, downloadTime p50/p99, job
 * completions, cancels (an abort is one) and force-stops; the job-metrics handler's sums over the stack's jobs.
 */
export function otaDeployWidgets(deployStateMachineArn: pulumi.Input<string>): DashboardSection {
  const states = (metricName: string, id: string) => [
    "AWS/States",
    metricName,
    "StateMachineArn",
    deployStateMachineArn,
    { id, visible: false },
  ];
  const jobMetric = (metricName: string, options: Record<string, unknown> = {}) =>
    fleetMetric(JOB_METRICS_SERVICE, metricName, options);
  return {
    title: "Firmware rollouts (ota-deploy)",
    widgets: [
      {
        title: "Rollouts in progress (deploy executions running)",
        metrics: [
          [
            {
              expression: "RUNNING_SUM(started - succeeded - failed - aborted - timedOut)",
              label: "running",
              id: "running",
            },
          ],
          states("ExecutionsStarted", "started"),
          states("ExecutionsSucceeded", "succeeded"),
          states("ExecutionsFailed", "failed"),
          states("ExecutionsAborted", "aborted"),
          states("ExecutionsTimedOut", "timedOut"),
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
        title: "Jobs completed, cancelled (aborts) and force-stopped",
        metrics: [
          jobMetric(STACK_METRICS.jobsCompleted, { label: "completed" }),
          jobMetric(STACK_METRICS.jobsCanceled, { label: "cancelled (abort criteria or operator)" }),
          fleetMetric(FORCE_STOPPER.service, FORCE_STOPPER.metricName, {
            label: "force-stopped by an alarm",
          }),
          jobMetric(STACK_METRICS.malformed, { label: "malformed events" }),
        ],
      },
    ],
  };
}
