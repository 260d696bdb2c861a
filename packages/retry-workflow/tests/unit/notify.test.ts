// Telling a human once: the claim before the publish, given back when the publish fails (so a retry sends it);
// the message's content. Request shapes with aws-sdk-client-mock.
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { awsError } from "@fleet/shared-aws/testing";
import { beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { L, M, N, S } from "../../src/core/item-update";
import { NOTIFY_LEASE_MS, notification, notify } from "../../src/core/notify";
import { parseRecord } from "../../src/core/records";

const dynamodb = new DynamoDBClient({ region: "eu-west-1" });
const sns = new SNSClient({ region: "eu-west-1" });
const db = mockClient(dynamodb);
const snsMock = mockClient(sns);
const deps = {
  dynamodb,
  sns,
  retriesTable: "retries",
  backupTable: "backups",
  topicArn: "arn:aws:sns:eu-west-1:123456789012:notifications",
  group: "FailedToUpdate",
};
const INPUT = { deviceId: "dev1", epoch: 4, cycle: 2, waitSeconds: 900 };
const quarantined = {
  deviceId: S("dev1"),
  phase: S("quarantined"),
  cycle: N(2),
  epoch: N(4),
  totalFailures: N(23),
  heldFailures: N(3),
  notifiedEpoch: N(4),
  lastFailureAt: N(1_711_320_208_793),
  lastFailureDetail: S("device reported failed (wo:v8 2.27)"),
  history: L([M({ at: N(1_711_320_000_000), event: S("cycled-out"), detail: S("10 failures in cycle 0") })]),
};
const backup = {
  deviceId: S("dev1"),
  epoch: N(3),
  attributes: M({ FW: S("2.27"), model: S("wo:v8") }),
  takenAt: N(1),
};

beforeEach(() => {
  db.reset();
  snsMock.reset();
  db.on(GetItemCommand).resolves({ Item: backup });
});

describe("notify", () => {
  it("claims the quarantine's epoch, then publishes one message naming the device, its model, firmware and how to release it", async () => {
    db.on(UpdateItemCommand).resolves({ Attributes: quarantined });
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
    expect(await notify(deps, INPUT)).toMatchObject({ outcome: "done" });
    const claim = db.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(claim?.ConditionExpression).toContain(
      "attribute_not_exists(#notifiedEpoch) OR #notifiedEpoch <> :epoch",
    );
    const published = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(published?.TopicArn).toBe(deps.topicArn);
    expect(published?.Subject).toBe("Firmware update failed: dev1");
    expect(published?.Message).toContain("Model: wo:v8");
    expect(published?.Message).toContain("Firmware (FW): 2.27");
    expect(published?.Message).toContain("Failures recorded: 23 in all, 3 of them while it was held");
    expect(published?.Message).toContain("cycled-out");
    expect(published?.Message).toContain(`{"deviceId": "dev1"}`);
  });

  it("publishes nothing when this quarantine was notified already", async () => {
    db.on(UpdateItemCommand).rejects(
      Object.assign(awsError("ConditionalCheckFailedException", 400), { Item: quarantined }),
    );
    expect(await notify(deps, INPUT)).toEqual({
      outcome: "skipped",
      deviceId: "dev1",
      reason: "already notified for this quarantine",
    });
    expect(snsMock.calls()).toHaveLength(0);
  });

  it("gives the lease back when the publish fails, so that the retried step sends it", async () => {
    db.on(UpdateItemCommand).resolves({ Attributes: quarantined });
    snsMock.on(PublishCommand).rejects(awsError("InternalErrorException", 500));
    await expect(notify(deps, INPUT)).rejects.toMatchObject({ name: "InternalErrorException" });
    const given = db.commandCalls(UpdateItemCommand)[1]?.args[0].input;
    expect(given?.UpdateExpression).toBe("REMOVE #notifyingUntil");
    expect(given?.ConditionExpression).toBe("(#notifyingUntil = :until)");
  });

  it("is at least once: an attempt that died after its lease is retried, waits out the lease, then publishes", async () => {
    const { notifiedEpoch: _, ...unmarked } = quarantined;
    const leased = { ...unmarked, notifyingUntil: N(1_000 + NOTIFY_LEASE_MS) };
    // The first attempt took the lease at t=1000 and hung in Publish (its Lambda timed out): no mark written.
    db.on(UpdateItemCommand)
      .rejectsOnce(Object.assign(awsError("ConditionalCheckFailedException", 400), { Item: leased }))
      .resolves({ Attributes: leased });
    snsMock.on(PublishCommand).resolves({ MessageId: "m" });
    // The retry within the lease neither publishes nor reports success.
    await expect(notify({ ...deps, now: () => 2_000 }, INPUT)).rejects.toMatchObject({
      name: "TransientError",
    });
    expect(snsMock.calls()).toHaveLength(0);
    // After the lease: published, then marked.
    expect(await notify({ ...deps, now: () => 2_000 + NOTIFY_LEASE_MS }, INPUT)).toMatchObject({
      outcome: "done",
    });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
    const mark = db.commandCalls(UpdateItemCommand).at(-1)?.args[0].input;
    expect(mark?.UpdateExpression).toContain("#notifiedEpoch = :epoch");
    expect(mark?.UpdateExpression).toContain("REMOVE #notifyingUntil");
  });

  it("keeps the subject within SNS's 100 printable characters", () => {
    const record = parseRecord({ ...quarantined, deviceId: S("x".repeat(128)) });
    expect(notification(record as never, undefined, "g").subject.length).toBeLessThanOrEqual(100);
  });
});
