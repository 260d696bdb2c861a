// Seed 000 on AWS: the jobs-targeting package as its manifest describes it (the lists bucket, every handler,
// the targeted-job state machine), with each handler's least-privilege statements.
import { manifest } from "@fleet/jobs-targeting";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { JOBS_TARGETING_PERMISSIONS } from "../policies/jobs-targeting";
import { type DomainArgs, type DomainOutputs, deployHandlerPackage } from "./handler-package";
import type { NodeLambda } from "./node-lambda";

export class JobsTargeting extends pulumi.ComponentResource {
  public readonly functions: Record<string, NodeLambda>;
  public readonly outputs: DomainOutputs;

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
    this.registerOutputs(this.outputs);
  }
}
