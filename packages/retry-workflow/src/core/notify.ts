// Telling a human, once per device and quarantine: the claim is a conditional write of the epoch into the
// record before the publish (a second execution or a retried step finds it and publishes nothing), given back if
// the publish fails so that the retry can send it. The message names the device, its model and firmware as the
// registry had them, the failure count, its history and how to release it.
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
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

export async function notify(deps: NotifyDeps, input: EscalationInput): Promise<StepResult> {
  const claimed = await write(
    deps,
    new RecordUpdate(deps, input.deviceId)
      .bind("epoch", N(input.epoch))
      .bind("quarantined", S("quarantined"))
      .when("#epoch = :epoch AND #phase = :quarantined")
      .when("attribute_not_exists(#notifiedEpoch) OR #notifiedEpoch <> :epoch")
      .set("#notifiedEpoch = :epoch"),
  );
  if (!claimed.ok) {
    const current = claimed.current;
    const reason =
      current?.notifiedEpoch === input.epoch
        ? "already notified for this quarantine"
        : `the device moved on (now ${current?.phase ?? "no record"}): released or superseded`;
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
    await write(
      deps,
      new RecordUpdate(deps, input.deviceId)
        .bind("epoch", N(input.epoch))
        .when("#notifiedEpoch = :epoch")
        .remove("#notifiedEpoch"),
    );
    throw error;
  }
  await write(
    deps,
    new RecordUpdate(deps, input.deviceId).appendHistory([
      { at: deps.now?.() ?? Date.now(), event: "notified", detail: subject },
    ]),
  );
  return { outcome: "done", deviceId: input.deviceId, detail: `notified: ${subject}` };
}
