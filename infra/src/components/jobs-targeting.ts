// Seed 000 on AWS: the lists bucket, every jobs-targeting handler with least privilege, and the targeted-job
// state machine that start-targeted-job starts.
import type { PackageManifest } from "@fleet/bundle/manifest";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DomainSettings } from "../config";
import type { IotNaming } from "../deployment";
import type { PermissionContext } from "../policies/document";
import {
  JOBS_TARGETING_PERMISSIONS,
  JOBS_TARGETING_TEST_FLEET_HANDLERS,
  TARGETED_JOB_STATE_MACHINE,
} from "../policies/jobs-targeting";
import { withoutHandlers } from "../test-fleet";
import { deployHandlerPackage, planHandlerPackage } from "./handler-package";
import type { NodeLambda } from "./node-lambda";
import { SecureBucket } from "./secure-bucket";

export interface JobsTargetingArgs extends DomainSettings {
  manifest: PackageManifest;
  repoRoot: string;
  logRetentionDays: number;
  alarmTopicArn?: pulumi.Input<string>;
  /** The names the tools give things, groups and jobs; their grants are limited to them. */
  iot: IotNaming;
  /** Deploy seed-things, which creates and deletes things (fleet:deployment.testFleetTools). */
  testFleetTools: boolean;
}

/** The state machine ARN start-targeted-job (starts executions) and teardown (stops them) read. */
const STATE_MACHINE_VARIABLES = { STATE_MACHINE_ARN: TARGETED_JOB_STATE_MACHINE };

export class JobsTargeting extends pulumi.ComponentResource {
  public readonly bucketName: pulumi.Output<string>;
  public readonly functions: Record<string, NodeLambda>;
  public readonly stateMachineArn: pulumi.Output<string>;

  constructor(name: string, args: JobsTargetingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:JobsTargeting", name, {}, opts);
    const configured = { ...asStrings(args.rates), ...asStrings(args.settings) };
    const manifest = args.testFleetTools
      ? args.manifest
      : withoutHandlers(args.manifest, JOBS_TARGETING_TEST_FLEET_HANDLERS);
    const grants = Object.entries(JOBS_TARGETING_PERMISSIONS).filter(
      ([handler]) => handler in manifest.handlers,
    );
    const plan = planHandlerPackage(manifest, {
      repoRoot: args.repoRoot,
      permitted: grants.map(([handler]) => handler),
      configured: Object.keys(configured),
      suppliedByInfra: ["LISTS_BUCKET", "IOT_DATA_ENDPOINT"],
      stateMachineVariables: STATE_MACHINE_VARIABLES,
    });

    const bucket = new SecureBucket(`${name}-lists`, {}, { parent: this });
    // Given to the shadow-writing handler so that it needs no iot:DescribeEndpoint.
    const dataEndpoint = aws.iot.getEndpointOutput(
      { endpointType: "iot:Data-ATS" },
      { parent: this },
    ).endpointAddress;
    const permissions = Object.fromEntries(
      grants.map(([handler, statementsOf]) => [
        handler,
        (context: PermissionContext) =>
          bucket.arn.apply((listsBucketArn) => statementsOf({ ...context, listsBucketArn, iot: args.iot })),
      ]),
    );
    const { functions, workflows } = deployHandlerPackage(
      name,
      {
        plan,
        permissions,
        environment: { ...configured, LISTS_BUCKET: bucket.bucketName, IOT_DATA_ENDPOINT: dataEndpoint },
        logRetentionDays: args.logRetentionDays,
        alarmTopicArn: args.alarmTopicArn,
      },
      this,
    );

    this.bucketName = bucket.bucketName;
    this.functions = functions;
    this.stateMachineArn = workflows[TARGETED_JOB_STATE_MACHINE]!.arn;
    this.registerOutputs({ bucketName: this.bucketName, stateMachineArn: this.stateMachineArn });
  }
}

const asStrings = (values: Record<string, string | number>) =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)]));
