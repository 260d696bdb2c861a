// The manifest infra and the local apps read: the two tables, the notification topic, the queue the IoT rules
// fill (and its dead-letter queue), every handler's entry, sizing, environment and the resources it uses, and
// the escalation state machine.
import { handlerEntries, type PackageManifest } from "@fleet/manifest";
import { handlerEnv } from "./config";
import definition from "./escalation.asl.json" with { type: "json" };

const handler = handlerEntries(handlerEnv);

// Every handler makes a few calls per device; a batch of 10 messages needs seconds, not minutes.
const SHORT = { timeoutSeconds: 60, memoryMb: 256 };
/** record-outcome, the outcomes queue's consumer. */
const CONSUMER = { timeoutSeconds: 25, memoryMb: 256 };
/**
 * The outcomes queue's visibility timeout (infra sets it): six times its consumer's timeout, as AWS advises for a
 * Lambda event source, so a batch still being recorded (or retried by Lambda) is not delivered again meanwhile.
 */
export const OUTCOMES_VISIBILITY_TIMEOUT_SECONDS = 6 * CONSUMER.timeoutSeconds;

/** The queue the rules deliver to; record-outcome consumes it (its event source mapping). */
export const OUTCOMES_QUEUE = "outcomes";
/** Messages SQS gave up on after maxReceives, and messages the rules could not deliver (their error action). */
export const DEAD_LETTERS_QUEUE = "dead-letters";

export const manifest: PackageManifest = {
  name: "retry-workflow",
  packageDir: "packages/retry-workflow",
  resources: {
    retries: {
      kind: "table",
      description: "DeviceFirmwareRetries: each device's counter, cycle, phase, escalation and history",
      partitionKey: "deviceId",
    },
    backups: {
      kind: "table",
      description: "DeviceAttributeBackup: each device's registry attributes at the first failure of a cycle",
      partitionKey: "deviceId",
    },
    notifications: {
      kind: "topic",
      description: "One message per quarantined device and cycle, for a human",
    },
    [DEAD_LETTERS_QUEUE]: {
      kind: "queue",
      description: "Outcome messages that could not be recorded or delivered: kept 14 days, alarmed",
    },
    [OUTCOMES_QUEUE]: {
      kind: "queue",
      description: "Every failure and success the IoT rules select, waiting to be recorded",
      deadLetter: { queue: DEAD_LETTERS_QUEUE, maxReceives: 5 },
    },
  },
  handlers: Object.fromEntries([
    handler(
      "record-outcome",
      "Records a batch of failures and successes; claims and starts escalations",
      CONSUMER,
      {
        uses: [OUTCOMES_QUEUE],
      },
    ),
    handler(
      "move-attributes",
      "Escalation step: moves the dynamic group's attributes out (moveOut, failedtoupdate)",
      SHORT,
    ),
    handler(
      "restore-attributes",
      "Escalation step: restores the moved attributes after the cool-down",
      SHORT,
    ),
    handler("quarantine", "Escalation step: adds the device to the quarantine group", SHORT),
    handler("notify", "Escalation step: tells a human, once per device and quarantine", SHORT),
    handler("escalation-failed", "Escalation failure path: records the error in the device's history", SHORT),
    handler("list-quarantined", "Operator: the quarantined devices, a page at a time", SHORT),
    handler(
      "release",
      "Operator: releases a device (out of the group, attributes restored, counters reset)",
      SHORT,
    ),
    handler("device-history", "Operator: one device's counters, phase, backup and history", SHORT),
  ]),
  stateMachines: {
    escalation: {
      description: "One claimed cycle of a failing device: cool-down and restore, or quarantine and notify",
      definition,
    },
  },
};
