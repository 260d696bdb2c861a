// The hot path's requests, against the exact DynamoDB, IoT and Step Functions request shapes
// (aws-sdk-client-mock): what one message costs, and which write decides each case.
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeThingCommand, IoTClient } from "@aws-sdk/client-iot";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { awsError, resourceNotFoundError, throttlingError } from "@fleet/shared-aws/testing";
import { beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { type Item, L, M, N, S, SS } from "../../src/core/item-update";
import type { Outcome } from "../../src/core/messages";
import { recordBatch } from "../../src/core/record-batch";
import { KnownRecords, recordOutcome } from "../../src/core/record-outcome";
import { parseRecord } from "../../src/core/records";

const dynamodb = new DynamoDBClient({ region: "eu-west-1" });
const iot = new IoTClient({ region: "eu-west-1" });
const sfn = new SFNClient({ region: "eu-west-1" });
const db = mockClient(dynamodb);
const iotMock = mockClient(iot);
const sfnMock = mockClient(sfn);
const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:escalation";
const deps = {
  dynamodb,
  iot,
  sfn,
  retriesTable: "retries",
  backupTable: "backups",
  stateMachineArn: MACHINE,
  retryLimit: 10,
  historyLimit: 100,
  waits: { coolDownSeconds: 86_400, quarantineWaitSeconds: 900 },
};
const failure = (at = 1_711_320_208_793): Outcome => ({
  deviceId: "dev1",
  kind: "failed",
  at,
  key: `device:${at}:failed`,
  source: "device-data",
  detail: "device reported failed",
});

/** A record as DynamoDB returns it. */
function record(fields: {
  phase?: string;
  cycle?: number;
  epoch?: number;
  retryCounter?: number;
  backedUpEpoch?: number;
  /** The claim's message key (absent: "device:9:failed", another message). */
  escalation?: { epoch: number; messageKey?: string };
}): Item {
  const { phase = "counting", cycle = 0, epoch = 1, retryCounter = 0, backedUpEpoch = epoch } = fields;
  return {
    deviceId: S("dev1"),
    phase: S(phase),
    cycle: N(cycle),
    epoch: N(epoch),
    retryCounter: N(retryCounter),
    totalFailures: N(retryCounter),
    backedUpEpoch: N(backedUpEpoch),
    seen: SS(["device:1:failed"]),
    history: L([]),
    ...(fields.escalation
      ? {
          escalation: M({
            epoch: N(fields.escalation.epoch),
            executionName: S(`dev1-e${fields.escalation.epoch}`),
            messageKey: S(fields.escalation.messageKey ?? "device:9:failed"),
          }),
        }
      : {}),
  };
}
const conditionFailed = (item?: Item) =>
  Object.assign(awsError("ConditionalCheckFailedException", 400, "The conditional request failed"), {
    ...(item ? { Item: item } : {}),
  });
const updates = () => db.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);

beforeEach(() => {
  db.reset();
  iotMock.reset();
  sfnMock.reset();
});

describe("recordOutcome", () => {
  it("counts a failure below the limit with one conditional UpdateItem, answered with nothing, and nothing else", async () => {
    db.on(UpdateItemCommand).resolves({});
    expect(await recordOutcome(deps, failure())).toEqual({ deviceId: "dev1", result: "counted" });
    expect(db.calls()).toHaveLength(1);
    const [update] = updates();
    // Answered with nothing: the hot path's response stays as small as its request.
    expect(update?.ReturnValues).toBe("NONE");
    expect(update?.UpdateExpression).toContain(
      "ADD #seen :messageKeys, #retryCounter :one, #totalFailures :one",
    );
    expect(update?.ConditionExpression).toBe(
      "(NOT contains(#seen, :messageKey)) AND (#phase = :counting AND #retryCounter < :last AND #backedUpEpoch = #epoch)",
    );
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ":last": { N: "9" },
      ":messageKey": { S: "device:1711320208793:failed" },
    });
    expect(iotMock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it("claims the escalation at the limit with the counter's exact value, then starts one execution", async () => {
    db.on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(record({ retryCounter: 9 })))
      .resolvesOnce({
        Attributes: record({
          phase: "coolingDown",
          cycle: 1,
          epoch: 2,
          escalation: { epoch: 2 },
        }),
      })
      .resolves({
        Attributes: record({
          phase: "coolingDown",
          cycle: 1,
          epoch: 2,
          escalation: { epoch: 2 },
        }),
      });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:dev1-e2` });
    expect(await recordOutcome(deps, failure())).toEqual({
      deviceId: "dev1",
      result: "escalated",
      cycle: 1,
      executionName: "dev1-e2",
    });
    const claim = updates()[1];
    expect(claim?.ConditionExpression).toContain(
      "#phase = :counting AND #epoch = :epoch AND #retryCounter = :counter",
    );
    expect(claim?.ExpressionAttributeValues).toMatchObject({
      ":counter": { N: "9" },
      ":epoch": { N: "1" },
      ":nextEpoch": { N: "2" },
      ":phase": { S: "coolingDown" },
    });
    expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      {
        stateMachineArn: MACHINE,
        name: "dev1-e2",
        input: JSON.stringify({ deviceId: "dev1", epoch: 2, cycle: 1, waitSeconds: 86_400 }),
      },
    ]);
  });

  it("records a failure as held when another message won the claim, and starts nothing", async () => {
    const claimed = record({
      phase: "coolingDown",
      cycle: 1,
      epoch: 2,
      escalation: { epoch: 2 },
    });
    db.on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(record({ retryCounter: 9 })))
      .rejectsOnce(conditionFailed(claimed))
      .resolves({ Attributes: claimed });
    expect(await recordOutcome(deps, failure())).toMatchObject({ result: "held", phase: "coolingDown" });
    expect(updates()[2]?.UpdateExpression).not.toContain("#retryCounter");
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it("counts a redelivered claim message once: a duplicate, no held failure, nothing started again", async () => {
    const claimed = record({
      phase: "coolingDown",
      cycle: 1,
      epoch: 2,
      escalation: { epoch: 2 },
    });
    db.on(UpdateItemCommand).rejects(conditionFailed(claimed));
    // record() keeps "device:1:failed" in seen: the claim message's key, kept by the claim write.
    expect(await recordOutcome(deps, failure(1))).toEqual({ deviceId: "dev1", result: "duplicate" });
    expect(updates()).toHaveLength(1);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it("starts a lost start when its claim message is redelivered", async () => {
    // record() keeps "device:1:failed" in seen: here the claim's own message.
    const claimed = record({
      phase: "coolingDown",
      cycle: 1,
      epoch: 2,
      escalation: { epoch: 2, messageKey: "device:1:failed" },
    });
    db.on(UpdateItemCommand).rejects(conditionFailed(claimed));
    sfnMock.on(StartExecutionCommand).resolves({});
    expect(await recordOutcome(deps, failure(1))).toMatchObject({ result: "held" });
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toBe("dev1-e2");
    // Nothing written for it: the message was counted by its claim.
    expect(updates()).toHaveLength(1);
  });

  it("holds a failure during a cool-down once, in the history, with its key", async () => {
    const cooling = record({
      phase: "coolingDown",
      cycle: 1,
      epoch: 2,
      escalation: { epoch: 2 },
    });
    db.on(UpdateItemCommand).rejectsOnce(conditionFailed(cooling)).resolves({ Attributes: cooling });
    expect(await recordOutcome(deps, failure())).toMatchObject({ result: "held" });
    const hold = updates()[1];
    expect(hold?.ConditionExpression).toContain("NOT contains(#seen, :messageKey)");
    expect(hold?.UpdateExpression).toContain("#heldFailures :one");
    expect(JSON.stringify(hold?.ExpressionAttributeValues?.[":newEvents"])).toContain(
      "failed-while-coolingDown",
    );
  });

  it("leaves the start to the claim's own message: another held message starts nothing", async () => {
    const claimed = record({ phase: "coolingDown", cycle: 1, epoch: 2, escalation: { epoch: 2 } });
    db.on(UpdateItemCommand).rejectsOnce(conditionFailed(claimed)).resolves({ Attributes: claimed });
    expect(await recordOutcome(deps, failure())).toMatchObject({ result: "held" });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it("changes nothing for a device the registry does not know", async () => {
    db.on(UpdateItemCommand).rejects(conditionFailed());
    iotMock.on(DescribeThingCommand).rejects(resourceNotFoundError());
    expect(await recordOutcome(deps, failure())).toEqual({
      deviceId: "dev1",
      result: "ignored",
      reason: "unknown device: no thing of that name in the registry",
    });
    expect(db.commandCalls(PutItemCommand)).toHaveLength(0);
    expect(updates()).toHaveLength(1);
  });

  it("never backs up from a container's hint: a stale 'not backed up' hint only picks the count, whose refusal decides", async () => {
    const known = new KnownRecords();
    // The hint: epoch 1 not backed up yet. Since then the device went on to epoch 5, quarantining.
    known.remember(parseRecord(record({ epoch: 1, backedUpEpoch: 0 })));
    const quarantining = record({ phase: "quarantining", cycle: 2, epoch: 5, backedUpEpoch: 3 });
    db.on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(quarantining))
      .resolves({ Attributes: quarantining });
    iotMock
      .on(DescribeThingCommand)
      .resolves({ attributes: { FW: "failedtoupdate", model: "failedtoupdate" } });
    expect(await recordOutcome({ ...deps, known }, failure())).toMatchObject({ result: "held" });
    // The registry's moved-out values were never read, let alone put over the newer backup.
    expect(iotMock.commandCalls(DescribeThingCommand)).toHaveLength(0);
    expect(db.commandCalls(PutItemCommand)).toHaveLength(0);
    expect(updates()[0]?.UpdateExpression).toContain("ADD #seen :messageKeys, #retryCounter :one");
  });

  it("backs up the registry's attributes (not the message's) at the first failure of a cycle", async () => {
    db.on(UpdateItemCommand)
      .rejectsOnce(conditionFailed(record({ epoch: 3, backedUpEpoch: 1 })))
      .resolves({ Attributes: record({ epoch: 3, retryCounter: 1 }) });
    iotMock.on(DescribeThingCommand).resolves({ attributes: { FW: "2.30", model: "wo:v9" } });
    db.on(PutItemCommand).resolves({});
    expect(await recordOutcome(deps, failure())).toEqual({ deviceId: "dev1", result: "counted" });
    // The refused count, the backup, and one write marking the record backed up and counting this failure.
    expect(db.calls()).toHaveLength(3);
    const marked = updates()[1];
    expect(marked?.ConditionExpression).toBe(
      "(NOT contains(#seen, :messageKey)) AND (#epoch = :epoch AND #phase = :counting AND #retryCounter = :zero)",
    );
    expect(marked?.UpdateExpression).toContain("#backedUpEpoch = :epoch, #cycleStartedAt = :at");
    expect(marked?.UpdateExpression).toContain(
      "ADD #seen :messageKeys, #retryCounter :one, #totalFailures :one",
    );
    const put = db.commandCalls(PutItemCommand)[0]?.args[0].input;
    expect(put?.Item).toMatchObject({
      deviceId: { S: "dev1" },
      epoch: { N: "3" },
      attributes: { M: { FW: { S: "2.30" }, model: { S: "wo:v9" } } },
    });
    expect(put?.ConditionExpression).toBe("attribute_not_exists(#deviceId) OR #epoch < :epoch");
  });
});

describe("recordBatch", () => {
  it("starts no message after its deadline: those left go back to SQS, none is lost", async () => {
    const logged: string[] = [];
    const logger = { info: () => {}, warn: (m: string) => logged.push(m), error: () => {} };
    const body = (at: number) => JSON.stringify({ _id_: "dev1", timestamp: String(at), status: "failed" });
    const result = await recordBatch(
      { ...deps, sources: ["device-data"], concurrency: 2, logger, deadline: Date.now() - 1 },
      [
        { messageId: "a", body: body(1_711_320_208_793) },
        { messageId: "b", body: body(1_711_320_208_794) },
      ],
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "a" }, { itemIdentifier: "b" }]);
    expect(db.calls()).toHaveLength(0);
    expect(logged).toEqual(["messages not started before the deadline; SQS delivers them again"]);
  });

  it("reports a message it could not record to SQS, and drops refused ones with their reason", async () => {
    db.on(UpdateItemCommand).rejects(throttlingError());
    const logged: string[] = [];
    const logger = {
      info: () => {},
      warn: (m: string) => logged.push(m),
      error: (m: string) => logged.push(m),
    };
    const result = await recordBatch({ ...deps, sources: ["device-data"], concurrency: 2, logger }, [
      {
        messageId: "a",
        body: JSON.stringify({ _id_: "dev1", timestamp: "1711320208793", status: "failed" }),
      },
      { messageId: "b", body: JSON.stringify({ timestamp: "1", status: "failed" }) },
    ]);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: "a" }]);
    expect(result.dropped).toEqual([{ messageId: "b", reason: "_id_ is missing" }]);
    expect(result.counts).toMatchObject({ failed: 1, refused: 1 });
    expect(logged.sort()).toEqual(["message not recorded; SQS delivers it again", "message refused"]);
  });
});

describe("recordOutcome with a container's hints", () => {
  it("never settles a success from a stale hint: the write decides", async () => {
    const known = new KnownRecords();
    // The hint: nothing to reset. The table: another container counted 3 failures since.
    known.remember(parseRecord(record({ retryCounter: 0 })));
    db.on(UpdateItemCommand).resolves({ Attributes: record({ epoch: 2 }) });
    const success = { ...failure(), kind: "succeeded" as const, key: "device:9:succeeded" };
    expect(await recordOutcome({ ...deps, known }, success)).toEqual({ deviceId: "dev1", result: "reset" });
    expect(updates()[0]?.ConditionExpression).toContain("#retryCounter > :zero OR #cycle > :zero");
  });

  it("tries the claim first when the hint says the counter is at limit - 1", async () => {
    const known = new KnownRecords();
    known.remember(parseRecord(record({ retryCounter: 9 })));
    db.on(UpdateItemCommand).resolves({
      Attributes: record({
        phase: "coolingDown",
        cycle: 1,
        epoch: 2,
        escalation: { epoch: 2 },
      }),
    });
    sfnMock.on(StartExecutionCommand).resolves({});
    expect(await recordOutcome({ ...deps, known }, failure())).toMatchObject({ result: "escalated" });
    expect(updates()[0]?.ConditionExpression).toContain("#retryCounter = :counter");
  });
});
