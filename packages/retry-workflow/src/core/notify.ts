// Telling a human, at least once and normally once per device and quarantine. The step leases the notification
// (a conditional write of a lease end into the record), publishes, then marks the quarantine's epoch notified in
// one write. A second execution or a retried step finds the mark and publishes nothing; a step that died between
// the publish and the mark is retried once its lease ends and publishes again (the same message: a human may
// read it twice, never zero times). The message names the device, its model and firmware as the registry had
// them, the failure count, its history and how to release it.
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { TransientError } from "@fleet/shared-aws";
import type { EscalationInput } from "./escalation";
import type { StepResult } from "./escalation-steps";
import { N, S } from "./item-update";
import { type Backup, type DeviceRecord, RecordUpdate, readBackup, type Tables, write } from "./records";

export interface NotifyDeps extends Tables {
  sns: SNSClient;
  topicArn: string;
  group: string;
  now?: () => number;
}

/** The subject and body of the notification (SNS subjects: at most 100 printable ASCII characters). */
export function notification(record: DeviceRecord, backup: Backup | undefined, group: string) {
  const attributes = backup?.attributes ?? {};
  const lines = [
    `Device ${record.deviceId} keeps failing its firmware update and was quarantined in the thing group ${group}.`,
    "",
    `Model: ${attributes.model ?? "(none in the registry)"}`,
    `Firmware (FW): ${attributes.FW ?? "(none in the registry)"}`,
    `Failures recorded: ${record.totalFailures} in all, ${record.heldFailures} of them while it was held`,
    ...(record.lastFailure
      ? [`Last failure: ${new Date(record.lastFailure.at).toISOString()}  ${record.lastFailure.detail}`]
      : []),
    "",
    "History (oldest first):",
    ...record.history.map(
      (entry) =>
        `  ${new Date(entry.at).toISOString()}  ${entry.event}${entry.detail ? `  ${entry.detail}` : ""}`,
    ),
    "",
    "To release it (out of the group, attributes restored, counters reset, history kept), invoke the stack's",
    `retry-workflow release function with {"deviceId": "${record.deviceId}"}, e.g.:`,
    `  echo '{"deviceId":"${record.deviceId}"}' > release.json && ./run invoke retry-workflow/release --event release.json`,
    `  aws lambda invoke --function-name <functions.release.name of the retryWorkflow stack output> \\`,
    `    --cli-binary-format raw-in-base64-out --payload '{"deviceId":"${record.deviceId}"}' result.json`,
  ];
  const subject = `Firmware update failed: ${record.deviceId}`.replace(/[^\x20-\x7e]/g, "?").slice(0, 100);
  return { subject, message: lines.join("\n") };
}

/** Longer than the notify Lambda may run (60 s): a live publisher's lease never ends under it. */
export const NOTIFY_LEASE_MS = 2 * 60 * 1000;

export async function notify(deps: NotifyDeps, input: EscalationInput): Promise<StepResult> {
  const now = deps.now?.() ?? Date.now();
  const until = now + NOTIFY_LEASE_MS;
  const claimed = await write(
    deps,
    new RecordUpdate(deps, input.deviceId)
      .bind("epoch", N(input.epoch))
      .bind("quarantined", S("quarantined"))
      .bind("now", N(now))
      .bind("until", N(until))
      .when("#epoch = :epoch AND #phase = :quarantined")
      .when("attribute_not_exists(#notifiedEpoch) OR #notifiedEpoch <> :epoch")
      .when("attribute_not_exists(#notifyingUntil) OR #notifyingUntil < :now")
      .set("#notifyingUntil = :until"),
  );
  if (!claimed.ok) {
    const current = claimed.current;
    if (current?.notifiedEpoch === input.epoch) {
      return { outcome: "skipped", deviceId: input.deviceId, reason: "already notified for this quarantine" };
    }
    if (current?.epoch === input.epoch && current.phase === "quarantined") {
      // Another attempt holds the lease (or died holding it): retried, it publishes once the lease ends.
      throw new TransientError(`${input.deviceId}: another attempt is notifying this quarantine; retrying`);
    }
    const reason = `the device moved on (now ${current?.phase ?? "no record"}): released or superseded`;
    return { outcome: "skipped", deviceId: input.deviceId, reason };
  }
  const { subject, message } = notification(
    claimed.record,
    await readBackup(deps, input.deviceId),
    deps.group,
  );
  try {
    await deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: subject,
        Message: message,
        MessageAttributes: { deviceId: { DataType: "String", StringValue: input.deviceId } },
      }),
    );
  } catch (error) {
    // The lease given back, so that the retried step publishes without waiting for it to end.
    await write(
      deps,
      new RecordUpdate(deps, input.deviceId)
        .bind("until", N(until))
        .when("#notifyingUntil = :until")
        .remove("#notifyingUntil"),
    );
    throw error;
  }
  await write(
    deps,
    new RecordUpdate(deps, input.deviceId)
      .bind("epoch", N(input.epoch))
      // Not on a record released meanwhile (its epoch moved on).
      .when("#epoch = :epoch")
      .set("#notifiedEpoch = :epoch")
      .remove("#notifyingUntil")
      .appendHistory([{ at: deps.now?.() ?? Date.now(), event: "notified", detail: subject }]),
  );
  return { outcome: "done", deviceId: input.deviceId, detail: `notified: ${subject}` };
}
