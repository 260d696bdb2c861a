// Seed 003 on AWS: the ota-deploy package as its manifest describes it (the firmware bucket, every handler, the
// deploy and release state machines), the OTA role IoT assumes to read firmware for streams and presigned URLs,
// and, where the stack signs releases, an asymmetric KMS key (ECC P-256, SIGN_VERIFY) whose private half never
// leaves KMS. The state machines' and functions' failure alarms come with them (Workflow, NodeLambda), and an
// alarm on deployments the queue failed. The alarm topics (email-notification, sms-notification,
// ota-force-stopper) are created first, their ARNs given to the handlers, and the force stopper wired to its topic
// (ota-force-stopper.ts); the job event rules feed job-metrics through a queue (ota-deploy-events.ts).
import {
  FORCE_STOP_FAILURES,
  JOB_EVENTS_QUEUE,
  JOB_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
  manifest,
} from "@fleet/ota-deploy";
import { DEPLOYER_METRICS } from "@fleet/ota-deploy/metrics";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { workloadRolePath } from "../../bootstrap/src/naming";
import { policyDocument, serviceTrustPolicy } from "../policies/document";
import { otaDeployPermissions, otaRoleStatements, roundAlarmPrefix } from "../policies/ota-deploy";
import { countAlarm } from "./alarm";
import type { DashboardSection } from "./dashboard";
import { deploySchedule } from "./deploy-schedule";
import { type DomainArgs, type DomainOutputs, deployHandlerPackage } from "./handler-package";
import { type NodeLambda, stackMetricsNamespace } from "./node-lambda";
import { createAlarmTopics } from "./ota-alarm-topics";
import { otaDeployComponentConfig } from "./ota-deploy-config";
import { createJobEventRules } from "./ota-deploy-events";
import { otaDeployWidgets } from "./ota-deploy-widgets";
import { wireForceStopper } from "./ota-force-stopper";
import { withVisibilityTimeout } from "./queue-rules";

export class OtaDeploy extends pulumi.ComponentResource {
  public readonly functions: Record<string, NodeLambda>;
  public readonly outputs: DomainOutputs;
  public readonly widgets: DashboardSection;

  constructor(name: string, args: DomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "fleet:index:OtaDeploy",
      name,
      {},
      // The manifest's queues carry no visibility timeout: job-events gets its consumer's six times and the window.
      withVisibilityTimeout(
        opts,
        `${args.namePrefix}${name}-${JOB_EVENTS_QUEUE}`,
        JOB_EVENTS_VISIBILITY_TIMEOUT_SECONDS,
      ),
    );
    const component = otaDeployComponentConfig(args.component);
    const names = {
      otaRolePath: workloadRolePath(pulumi.getStack()),
      otaRoleName: `${args.namePrefix}${name}-iot`,
      signingTag: { key: "fleet-signing", value: `${args.namePrefix}${name}` },
      baseName: `${args.namePrefix}${name}`,
      // Round alarms: `<prefix><round job id>-<owner>-<alarm>`; handlers' CloudWatch grants reach only these.
      alarmPrefix: roundAlarmPrefix(`${args.namePrefix}${name}`),
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
    wireForceStopper(
      {
        baseName: names.baseName,
        topic: topics.forceStopper,
        function: deployed.functions["force-stopper"] as NodeLambda,
        alarmPrefix: names.alarmPrefix,
        failuresQueueUrl: deployed.outputs.resources[FORCE_STOP_FAILURES] as pulumi.Output<string>,
        alarmTopicArn: args.alarmTopicArn,
      },
      this,
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
        resources: deployed.outputs.resources,
        metricsFunction: deployed.functions["job-metrics"] as NodeLambda,
        jobIdPrefix: args.iot.groupNamePrefix,
        alarmTopicArn: args.alarmTopicArn,
      },
      this,
    );
    deploySchedule(
      {
        name: `${args.namePrefix}${name}-schedule`,
        rate: component.scheduleRate,
        deployer: deployed.functions.deployer as NodeLambda,
      },
      this,
    );
    if (args.alarmTopicArn !== undefined) {
      // The deployer's run succeeds when it fails a deployment or skips a malformed item: its own error alarm
      // would never say so.
      for (const [part, metricName, what] of [
        [
          "deployments-failed",
          DEPLOYER_METRICS.failed,
          "failed a deployment (list-schedule status=Failed shows why)",
        ],
        [
          "queue-items-malformed",
          DEPLOYER_METRICS.malformed,
          "skipped a queue item that is no entry (its log names the key)",
        ],
      ] as const) {
        countAlarm(
          `${names.baseName}-${part}`,
          {
            namespace: stackMetricsNamespace(),
            metricName,
            dimensions: { service: DEPLOYER_METRICS.service },
            description: `${names.baseName}: the deployer ${what}`,
            topicArn: args.alarmTopicArn,
          },
          { parent: this },
        );
      }
    }
    this.functions = deployed.functions;
    this.widgets = otaDeployWidgets();
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
