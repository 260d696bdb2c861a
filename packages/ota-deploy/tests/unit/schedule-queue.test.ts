// The queue's ids and transitions at the request level (aws-sdk-client-mock): the id sorts by submission time,
// is unique within a millisecond and is a valid execution name; a move is one transaction whose delete requires
// the entry still there (or still held by the same claim) and whose put requires the next one absent, and a
// cancelled transaction is a lost race, not an error; the deployer records the execution a taken name already
// started (the DynamoDB API reference: TransactWriteItems; Step Functions: StartExecution, DescribeExecution).
import {
  DynamoDBClient,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { awsError } from "@fleet/shared-aws/testing";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { runDeployer } from "../../src/core/deployer";
import {
  DEPLOYMENT_ID,
  move,
  newDeploymentId,
  type QueueEntry,
  readItem,
  STATUS,
  toItem,
} from "../../src/core/schedule-queue";

const dbMock = mockClient(DynamoDBClient);
const sfnMock = mockClient(SFNClient);
afterEach(() => {
  dbMock.reset();
  sfnMock.reset();
});
const deps = { db: new DynamoDBClient({}), table: "fleet-dev-ota-deploy-schedule" };
const STATE_MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:fleet-dev-ota-deploy-deploy";

const pending: QueueEntry = {
  status: STATUS.pending,
  deploymentId: "20261129T040000123Z-0123456789abcdef0123",
  submittedAt: "2026-11-29T04:00:00.123Z",
  release: "1.0.0",
  jobId: "fw100",
  config: '{"jobId":"fw100"}',
  attempts: 0,
};
const claimed: QueueEntry = {
  ...pending,
  status: STATUS.claimed,
  claimToken: "t1",
  leaseUntil: 1,
  attempts: 1,
};
const cancelled = (code: string) =>
  Object.assign(awsError("TransactionCanceledException", 400), {
    CancellationReasons: [{ Code: code }, { Code: "None" }],
  });

describe("deployment ids", () => {
  it("sort by submission time, differ within one millisecond, and are valid execution names", () => {
    const at = new Date("2026-11-29T04:00:00.123Z");
    const a = newDeploymentId(at);
    const b = newDeploymentId(at);
    const later = newDeploymentId(new Date("2026-11-29T04:00:00.124Z"), "0".repeat(20));
    expect(a).not.toBe(b);
    expect(a.startsWith("20261129T040000123Z-")).toBe(true);
    expect([later, a].sort()).toEqual([a, later]);
    for (const id of [a, b, later]) {
      expect(id).toMatch(DEPLOYMENT_ID);
      expect(id).toMatch(/^[a-zA-Z0-9_-]{1,80}$/);
    }
  });
});

describe("move", () => {
  it("claims with one transaction: delete if still pending, put if not yet claimed", async () => {
    dbMock.on(TransactWriteItemsCommand).resolves({});
    expect(await move(deps, pending, claimed)).toBe(true);
    const [call] = dbMock.commandCalls(TransactWriteItemsCommand);
    const [remove, put] = call?.args[0].input.TransactItems ?? [];
    expect(remove?.Delete).toMatchObject({
      Key: { status: { S: "PendingDeployment" }, deploymentId: { S: pending.deploymentId } },
      ConditionExpression: "attribute_exists(#id)",
    });
    expect(put?.Put).toMatchObject({
      Item: { status: { S: "Claimed" }, claimToken: { S: "t1" }, attempts: { N: "1" } },
      ConditionExpression: "attribute_not_exists(#id)",
    });
  });

  it("settles a claim only while the same claim holds it", async () => {
    dbMock.on(TransactWriteItemsCommand).resolves({});
    await move(deps, claimed, { ...pending, status: STATUS.deployed });
    const remove = dbMock.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input.TransactItems?.[0];
    expect(remove?.Delete).toMatchObject({
      ConditionExpression: "#token = :token",
      ExpressionAttributeValues: { ":token": { S: "t1" } },
    });
  });

  it.each(["ConditionalCheckFailed", "TransactionConflict"])(
    "a transaction cancelled for %s is a lost race",
    async (code) => {
      dbMock.on(TransactWriteItemsCommand).rejects(cancelled(code));
      expect(await move(deps, pending, claimed)).toBe(false);
    },
  );

  it("any other failure is thrown: the entry stays where it was", async () => {
    dbMock.on(TransactWriteItemsCommand).rejects(awsError("ProvisionedThroughputExceededException", 400));
    await expect(move(deps, pending, claimed)).rejects.toThrow("ProvisionedThroughputExceededException");
  });
});

describe("deployer", () => {
  const run = () =>
    runDeployer({
      ...deps,
      sfn: new SFNClient({}),
      stateMachineArn: STATE_MACHINE,
      perRun: 1,
      maxAttempts: 3,
      leaseMs: 300_000,
      historyDays: 90,
      now: () => 1_000,
    });

  it("starts the execution named after the deployment id, with the queued config as input", async () => {
    dbMock.on(QueryCommand).resolves({ Items: [] });
    dbMock.on(QueryCommand, { ExpressionAttributeValues: { ":status": { S: STATUS.pending } } }).resolves({
      Items: [toItem(pending)],
    });
    dbMock.on(TransactWriteItemsCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({
      executionArn: `${STATE_MACHINE.replace("stateMachine", "execution")}:${pending.deploymentId}`,
      startDate: new Date(2_000),
    });
    const result = await run();
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: pending.deploymentId,
      input: pending.config,
    });
    expect(result.deployed).toEqual([
      expect.objectContaining({ deploymentId: pending.deploymentId, startedAt: "1970-01-01T00:00:02.000Z" }),
    ]);
    const [claim, settle] = dbMock
      .commandCalls(TransactWriteItemsCommand)
      .map((call) => call.args[0].input.TransactItems?.[1]);
    expect(claim?.Put?.Item).toMatchObject({ status: { S: "Claimed" } });
    expect(claim?.Put?.Item).not.toHaveProperty("expiresAt");
    // Settled at 1 s (epoch): the history expires 90 days later.
    expect(settle?.Put?.Item).toMatchObject({
      status: { S: "Deployed" },
      attempts: { N: "1" },
      expiresAt: { N: String(1 + 90 * 86_400) },
    });
    expect(settle?.Put?.Item).not.toHaveProperty("claimToken");
  });

  it("a pending item written by hand with an expiresAt loses it when claimed: only a settled entry expires", async () => {
    dbMock.on(QueryCommand).resolves({ Items: [] });
    dbMock.on(QueryCommand, { ExpressionAttributeValues: { ":status": { S: STATUS.pending } } }).resolves({
      Items: [toItem({ ...pending, expiresAt: 5 })],
    });
    dbMock.on(TransactWriteItemsCommand).resolves({});
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: "arn", startDate: new Date(2_000) });
    await run();
    const [claim, settle] = dbMock
      .commandCalls(TransactWriteItemsCommand)
      .map((call) => call.args[0].input.TransactItems?.[1]?.Put?.Item);
    expect(claim).not.toHaveProperty("expiresAt");
    expect(settle?.expiresAt).toEqual({ N: String(1 + 90 * 86_400) });
  });

  it("re-drives an expired claim by a conditional update, and records the execution its name already started", async () => {
    dbMock.on(QueryCommand).resolves({ Items: [] });
    dbMock
      .on(QueryCommand, {
        ExpressionAttributeValues: { ":status": { S: STATUS.claimed }, ":now": { N: "1000" } },
      })
      .resolves({
        Items: [toItem(claimed)],
      });
    dbMock.on(UpdateItemCommand).resolves({});
    dbMock.on(TransactWriteItemsCommand).resolves({});
    sfnMock.on(StartExecutionCommand).rejects(awsError("ExecutionAlreadyExists", 400));
    sfnMock.on(DescribeExecutionCommand).resolves({ startDate: new Date(500) });
    const result = await run();
    const update = dbMock.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(update?.ConditionExpression).toBe("#token = :held AND #lease < :now");
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ":held": { S: "t1" },
      ":attempts": { N: "2" },
    });
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]?.args[0].input.executionArn).toBe(
      `arn:aws:states:eu-west-1:123456789012:execution:fleet-dev-ota-deploy-deploy:${pending.deploymentId}`,
    );
    expect(result.deployed).toEqual([expect.objectContaining({ startedAt: "1970-01-01T00:00:00.500Z" })]);
  });

  it("a name already taken whose execution cannot be described is still Deployed (never Failed: it runs)", async () => {
    dbMock.on(QueryCommand).resolves({ Items: [] });
    dbMock.on(QueryCommand, { ExpressionAttributeValues: { ":status": { S: STATUS.pending } } }).resolves({
      Items: [toItem(pending)],
    });
    dbMock.on(TransactWriteItemsCommand).resolves({});
    sfnMock.on(StartExecutionCommand).rejects(awsError("ExecutionAlreadyExists", 400));
    sfnMock.on(DescribeExecutionCommand).rejects(awsError("AccessDeniedException", 400, "not authorized"));
    const result = await run();
    expect(result.failed).toEqual([]);
    expect(result.deployed).toEqual([
      {
        deploymentId: pending.deploymentId,
        executionArn: `arn:aws:states:eu-west-1:123456789012:execution:fleet-dev-ota-deploy-deploy:${pending.deploymentId}`,
      },
    ]);
    const settle = dbMock.commandCalls(TransactWriteItemsCommand)[1]?.args[0].input.TransactItems?.[1];
    expect(settle?.Put?.Item).toMatchObject({ status: { S: "Deployed" } });
  });
});

describe("reading queue items", () => {
  it("drops an attribute it does not know, and reports an item that is no entry by its key instead of throwing", () => {
    expect(readItem({ ...toItem(pending), note: { S: "console note" } })).toEqual(pending);
    expect(readItem({ status: { S: STATUS.pending }, deploymentId: { S: pending.deploymentId } })).toEqual({
      status: STATUS.pending,
      deploymentId: pending.deploymentId,
      problem: expect.stringMatching(/submittedAt: .*attempts: /),
    });
  });
});
