// Seed 003 on AWS: the ota-deploy package as its manifest describes it (the firmware bucket, every handler, the
// deploy and release state machines), the OTA role IoT assumes to read firmware for streams and presigned URLs,
// and, where the stack signs releases, an asymmetric KMS key (ECC P-256, SIGN_VERIFY) whose private half never
// leaves KMS. The state machines' and functions' failure alarms come with them (Workflow, NodeLambda).
import { manifest } from "@fleet/ota-deploy";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { workloadRolePath } from "../../bootstrap/src/naming";
import { policyDocument, serviceTrustPolicy } from "../policies/document";
import { otaDeployPermissions, otaRoleStatements } from "../policies/ota-deploy";
import { deploySchedule } from "./deploy-schedule";
import { type DomainArgs, type DomainOutputs, deployHandlerPackage } from "./handler-package";
import type { NodeLambda } from "./node-lambda";

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
  /** How often the Scheduler schedule runs the deployer: an EventBridge Scheduler `rate(...)` (default 5 minutes). */
  scheduleRate: string;
}

const SHAPE =
  "fleet:otaDeploy.component must be {signing: true|false, noncurrentVersionDays?: 1-36500, scheduleRate?: rate(<n> minute(s)|hour(s)|day(s))}";
const KEYS = ["signing", "noncurrentVersionDays", "scheduleRate"];
/** EventBridge Scheduler's rate expression: a positive whole number and its unit, singular for 1 only. */
const RATE = /^rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)$/;

export function otaDeployComponentConfig(raw: unknown): OtaDeployComponentConfig {
  if (raw === undefined)
    return { signing: false, noncurrentVersionDays: 30, scheduleRate: "rate(5 minutes)" };
  const {
    signing,
    noncurrentVersionDays = 30,
    scheduleRate = "rate(5 minutes)",
  } = (raw ?? {}) as Record<string, unknown>;
  if (
    typeof raw !== "object" ||
    raw === null ||
    Object.keys(raw).some((k) => !KEYS.includes(k)) ||
    typeof signing !== "boolean" ||
    !Number.isInteger(noncurrentVersionDays) ||
    (noncurrentVersionDays as number) < 1 ||
    (noncurrentVersionDays as number) > 36_500 ||
    typeof scheduleRate !== "string" ||
    !RATE.test(scheduleRate)
  ) {
    throw new Error(`Invalid stack configuration: ${SHAPE}`);
  }
  return { signing, noncurrentVersionDays: noncurrentVersionDays as number, scheduleRate };
}

export class OtaDeploy extends pulumi.ComponentResource {
  public readonly functions: Record<string, NodeLambda>;
  public readonly outputs: DomainOutputs;

  constructor(name: string, args: DomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:OtaDeploy", name, {}, opts);
    const component = otaDeployComponentConfig(args.component);
    const names = {
      otaRolePath: workloadRolePath(pulumi.getStack()),
      otaRoleName: `${args.namePrefix}${name}-iot`,
      signingTag: { key: "fleet-signing", value: `${args.namePrefix}${name}` },
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
    const deployed = deployHandlerPackage(
      name,
      {
        ...args,
        manifest,
        permissions: otaDeployPermissions(names),
        bucketNoncurrentVersionDays: { firmware: component.noncurrentVersionDays },
        supplied: { OTA_ROLE_ARN: otaRole.arn, ...(signingKey ? { SIGNING_KEY_ID: signingKey.keyId } : {}) },
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
    deploySchedule(
      {
        name: `${args.namePrefix}${name}-schedule`,
        rate: component.scheduleRate,
        deployer: deployed.functions.deployer as NodeLambda,
      },
      this,
    );
    this.functions = deployed.functions;
    this.outputs = deployed.outputs;
    this.registerOutputs(this.outputs);
  }
}
