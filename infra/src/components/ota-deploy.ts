// Seed 003 on AWS: the ota-deploy package as its manifest describes it (the firmware bucket, every handler, the
// deploy and release state machines), the OTA role IoT assumes to read firmware for streams and presigned URLs,
// and, where the stack signs releases, an asymmetric KMS key (ECC P-256, SIGN_VERIFY) whose private half never
// leaves KMS. The state machines' and functions' failure alarms come with them (Workflow, NodeLambda). The alarm
// topics (email-notification, sms-notification, ota-force-stopper) are created first, their ARNs given to the
// handlers, and the force stopper subscribed to its topic.
import { manifest } from "@fleet/ota-deploy";
import {
  DETAIL_METRICS,
  EXECUTION_STATUSES,
  FORCE_STOPPER,
  JOB_METRICS_SERVICE,
  STACK_METRICS,
} from "@fleet/ota-deploy/metrics";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { workloadRolePath } from "../../bootstrap/src/naming";
import { policyDocument, serviceTrustPolicy } from "../policies/document";
import { otaDeployPermissions, otaRoleStatements } from "../policies/ota-deploy";
import { type DashboardSection, fleetMetric } from "./dashboard";
import { type DomainArgs, type DomainOutputs, deployHandlerPackage } from "./handler-package";
import type { NodeLambda } from "./node-lambda";
import { createAlarmTopics } from "./ota-alarm-topics";
import { createJobEventRules } from "./ota-deploy-events";


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

/**
 * The block's `component` map: what the stack decides about the component beyond its handlers' settings (the
 * round deadlines are plan-deployment's settings, DEFAULT_/MAX_ROUND_DEADLINE_MINUTES).
 */
export interface OtaDeployComponentConfig {
  /** Create the signing key and sign releases when asked (default false). */
  signing: boolean;
  /**
   * The firmware bucket's lifecycle: days a replaced or deleted object version is kept (default 30). Firmware
   * keys are written once, so a release's pinned version stays current unless someone deletes it.
   */
  noncurrentVersionDays: number;
  /** E-mail addresses subscribed to the email-notification topic (default none). */
  notifyEmails: string[];
  /** Phone numbers (E.164, e.g. +4915112345678) subscribed to the sms-notification topic (default none). */
  notifySms: string[];
}

const SHAPE =
  "fleet:otaDeploy.component must be {signing: true|false, noncurrentVersionDays?: 1-36500, notifyEmails?: [e-mail addresses], notifySms?: [E.164 phone numbers]}";
const KEYS = ["signing", "noncurrentVersionDays", "notifyEmails", "notifySms"];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const E164 = /^\+[1-9]\d{6,14}$/;
const listOf = (value: unknown, pattern: RegExp) =>
  Array.isArray(value) &&
  new Set(value).size === value.length &&
  value.every((item) => typeof item === "string" && pattern.test(item));

export function otaDeployComponentConfig(raw: unknown): OtaDeployComponentConfig {
  if (raw === undefined)
    return { signing: false, noncurrentVersionDays: 30, notifyEmails: [], notifySms: [] };
  const {
    signing,
    noncurrentVersionDays = 30,
    notifyEmails = [],
    notifySms = [],
  } = (raw ?? {}) as Record<string, unknown>;
  if (
    typeof raw !== "object" ||
    raw === null ||
    Object.keys(raw).some((k) => !KEYS.includes(k)) ||
    typeof signing !== "boolean" ||
    !Number.isInteger(noncurrentVersionDays) ||
    (noncurrentVersionDays as number) < 1 ||
    (noncurrentVersionDays as number) > 36_500 ||
    !listOf(notifyEmails, EMAIL) ||
    !listOf(notifySms, E164)
  ) {
    throw new Error(`Invalid stack configuration: ${SHAPE}`);
  }
  return {
    signing,
    noncurrentVersionDays: noncurrentVersionDays as number,
    notifyEmails: notifyEmails as string[],
    notifySms: notifySms as string[],
  };
}

export class OtaDeploy extends pulumi.ComponentResource {
  public readonly functions: Record<string, NodeLambda>;
  public readonly outputs: DomainOutputs;
  public readonly widgets: DashboardSection;

  constructor(name: string, args: DomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:OtaDeploy", name, {}, opts);
    const component = otaDeployComponentConfig(args.component);
    const names = {
      otaRolePath: workloadRolePath(pulumi.getStack()),
      otaRoleName: `${args.namePrefix}${name}-iot`,
      signingTag: { key: "fleet-signing", value: `${args.namePrefix}${name}` },
      // Round alarms: `<prefix><round job id>-<owner>-<alarm>`; handlers' CloudWatch grants reach only these.
      alarmPrefix: `${args.namePrefix}${name}-`,
    };
    const otaRole = new aws.iam.Role(
      `${args.namePrefix}${name}-iot`,
      {
        name: names.otaRoleName,
        description: "Assumed by AWS IoT to read firmware for OTA streams and presigned URLs",
        assumeRolePolicy: JSON.stringify(serviceTrustPolicy("iot.amazonaws.com")),
      },
      { parent: this },
    );
    const signingKey = component.signing
      ? new aws.kms.Key(
          `${args.namePrefix}${name}-signing`,
          {
            description: "Signs firmware releases (ECDSA P-256, SHA-256); the private key never leaves KMS",
            customerMasterKeySpec: "ECC_NIST_P256",
            keyUsage: "SIGN_VERIFY",
            deletionWindowInDays: 30,
            tags: { [names.signingTag.key]: names.signingTag.value },
          },
          { parent: this },
        )
      : undefined;
    const topics = createAlarmTopics(
      {
        baseName: `${args.namePrefix}${name}`,
        emails: component.notifyEmails,
        smsNumbers: component.notifySms,
      },
      this,
    );
    const deployed = deployHandlerPackage(
      name,
      {
        ...args,
        manifest,
        permissions: otaDeployPermissions(names),
        bucketNoncurrentVersionDays: { firmware: component.noncurrentVersionDays },
        supplied: {
          OTA_ROLE_ARN: otaRole.arn,
          ...(signingKey ? { SIGNING_KEY_ID: signingKey.keyId } : {}),
          ALARM_NAME_PREFIX: names.alarmPrefix,
          EMAIL_TOPIC_ARN: topics.email.arn,
          SMS_TOPIC_ARN: topics.sms.arn,
          FORCE_STOP_TOPIC_ARN: topics.forceStopper.arn,
        },
      },
      this,
    );
    // The force stopper hears the ota-force-stopper topic, and only it may invoke the function that way.
    const forceStopper = deployed.functions["force-stopper"] as NodeLambda;
    const invokedBySns = new aws.lambda.Permission(
      `${args.namePrefix}${name}-force-stopper-sns`,
      {
        action: "lambda:InvokeFunction",
        function: forceStopper.functionName,
        principal: "sns.amazonaws.com",
        sourceArn: topics.forceStopper.arn,
      },
      { parent: this },
    );
    new aws.sns.TopicSubscription(
      `${args.namePrefix}${name}-force-stopper`,
      { topic: topics.forceStopper.arn, protocol: "lambda", endpoint: forceStopper.arn },
      { parent: this, dependsOn: [invokedBySns] },
    );
    const firmwareArn = pulumi.interpolate`arn:aws:s3:::${deployed.outputs.resources.firmware}`;
    new aws.iam.RolePolicy(
      `${args.namePrefix}${name}-iot-read`,
      {
        role: otaRole.id,
        policy: firmwareArn.apply((arn) => JSON.stringify(policyDocument(otaRoleStatements(arn)))),
      },
      { parent: this },
    );
    createJobEventRules(
      {
        baseName: `${args.namePrefix}${name}`,
        metricsFunction: deployed.functions["job-metrics"] as NodeLambda,
        jobIdPrefix: args.iot.groupNamePrefix,
        logRetentionDays: args.logRetentionDays,
        alarmTopicArn: args.alarmTopicArn,
      },
      this,
    );
    this.functions = deployed.functions;
    this.widgets = otaDeployWidgets(deployed.outputs.stateMachines.deploy as pulumi.Output<string>);
    this.outputs = {
      ...deployed.outputs,
      topics: {
        "email-notification": topics.email.arn,
        "sms-notification": topics.sms.arn,
        "ota-force-stopper": topics.forceStopper.arn,
      },
    };
    this.registerOutputs(this.outputs);
  }
}
