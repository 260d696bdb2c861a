// Seed 000 on AWS: the jobs-targeting package as its manifest describes it (the lists bucket, every handler,
// the targeted-job state machine), with each handler's least-privilege statements.
import { manifest } from "@fleet/jobs-targeting";
import { STEP_METRICS } from "@fleet/shared-aws/metrics";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { JOBS_TARGETING_PERMISSIONS } from "../policies/jobs-targeting";
import { type DashboardSection, fleetMetric } from "./dashboard";
import { type DomainArgs, type DomainOutputs, deployHandlerPackage } from "./handler-package";
import type { NodeLambda } from "./node-lambda";

/**
 * Targeted jobs started through the state machine and how they ended, and the paced fan-out steps' throttled
 * calls (the step counts every handler publishes, shared-aws recordStep): a rate set above the account's quota.
 */
export function jobsTargetingWidgets(targetedJobArn: pulumi.Input<string>): DashboardSection {
  const states = (metricName: string, label: string) => [
    "AWS/States",
    metricName,
    "StateMachineArn",
    targetedJobArn,
    { label },
  ];
  return {
    title: "Targeted jobs (jobs-targeting)",
    widgets: [
      {
        title: "Targeted-job executions",
        metrics: [
          states("ExecutionsStarted", "started"),
          states("ExecutionsSucceeded", "succeeded"),
          states("ExecutionsFailed", "failed"),
          states("ExecutionsTimedOut", "timed out"),
        ],
      },
      {
        title: "Paced steps: throttled calls",
        metrics: ["fill-exclude-group", "fast-track"].map((service) =>
          fleetMetric(service, STEP_METRICS.throttles, { label: service }),
        ),
      },
    ],
  };
}

export class JobsTargeting extends pulumi.ComponentResource {
  public readonly functions: Record<string, NodeLambda>;
  public readonly outputs: DomainOutputs;
  public readonly widgets: DashboardSection;

  constructor(name: string, args: DomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:JobsTargeting", name, {}, opts);
    // Given to the shadow-writing handler so that it needs no iot:DescribeEndpoint.
    const dataEndpoint = aws.iot.getEndpointOutput({ endpointType: "iot:Data-ATS" }, { parent: this });
    const deployed = deployHandlerPackage(
      name,
      {
        ...args,
        manifest,
        permissions: JOBS_TARGETING_PERMISSIONS,
        supplied: { IOT_DATA_ENDPOINT: dataEndpoint.endpointAddress },
      },
      this,
    );
    this.functions = deployed.functions;
    this.outputs = deployed.outputs;
    this.widgets = jobsTargetingWidgets(
      deployed.outputs.stateMachines["targeted-job"] as pulumi.Output<string>,
    );
    this.registerOutputs(this.outputs);
  }
}
