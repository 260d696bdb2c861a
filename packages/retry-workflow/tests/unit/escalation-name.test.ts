// The execution name is the claim's second lock: one per device and epoch, valid for Step Functions; a name an
// older escalation holds is told apart and replaced (aws-sdk-client-mock: the exact StartExecution/DescribeExecution shapes).
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { awsError } from "@fleet/shared-aws/testing";
import { beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { executionName, freshName, startEscalation } from "../../src/core/escalation";
import { M, N, S } from "../../src/core/item-update";
import { type DeviceRecord, parseRecord } from "../../src/core/records";

const VALID = /^[a-zA-Z0-9_-]{1,80}$/;

describe("executionName", () => {
  it("is <device>-e<epoch> for a plain thing name", () => {
    expect(executionName("3hwC2y7", 2)).toBe("3hwC2y7-e2");
  });

  it("is valid, at most 80 characters and still distinct for names with colons or of 128 characters", () => {
    const names = ["a:b", "a_b", "x".repeat(128), `${"x".repeat(127)}y`, "thing:with:colons"];
    const derived = names.map((name) => executionName(name, 12345));
    for (const name of derived) expect(name).toMatch(VALID);
    expect(new Set(derived).size).toBe(names.length);
    expect(executionName("a:b", 3)).toBe(executionName("a:b", 3));
    expect(executionName("a:b", 3)).not.toBe(executionName("a:b", 4));
  });
});

describe("startEscalation when the name is taken (request shape)", () => {
  const dynamodb = new DynamoDBClient({ region: "eu-west-1" });
  const sfn = new SFNClient({ region: "eu-west-1" });
  const db = mockClient(dynamodb);
  const sfnMock = mockClient(sfn);
  const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:escalation";
  const deps = {
    dynamodb,
    sfn,
    retriesTable: "retries",
    backupTable: "backups",
    stateMachineArn: MACHINE,
    waits: { coolDownSeconds: 60, quarantineWaitSeconds: 30 },
  };
  const claimed = parseRecord({
    deviceId: S("dev1"),
    phase: S("coolingDown"),
    cycle: N(1),
    epoch: N(2),
    escalation: M({ epoch: N(2), executionName: S("dev1-e2") }),
  }) as DeviceRecord;
  const taken = awsError("ExecutionAlreadyExists", 400, "Execution Already Exists");

  beforeEach(() => {
    db.reset();
    sfnMock.reset();
    db.on(UpdateItemCommand).resolves({});
  });

  it("takes this very escalation's execution as started (the same device, epoch and cycle)", async () => {
    sfnMock.on(StartExecutionCommand).rejects(taken);
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: `${MACHINE.replace(":stateMachine:", ":execution:")}:dev1-e2`,
      input: JSON.stringify({ deviceId: "dev1", epoch: 2, cycle: 1, waitSeconds: 86_400 }),
    });
    expect(await startEscalation(deps, claimed)).toBe("dev1-e2");
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });

  it("starts under a fresh name, stored in the record first, when an older escalation holds the name", async () => {
    const startDate = new Date("2026-01-01T00:00:00Z");
    sfnMock.on(StartExecutionCommand).rejectsOnce(taken).resolves({});
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: `${MACHINE.replace(":stateMachine:", ":execution:")}:dev1-e2`,
      startDate,
      // A record deleted (or restored) since: epochs started again from 1.
      input: JSON.stringify({ deviceId: "dev1", epoch: 2, cycle: 2, waitSeconds: 900 }),
    });
    const name = await startEscalation(deps, claimed);
    expect(name).toMatch(/^dev1-e2-[0-9a-f]{8}$/);
    const rename = db.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(rename?.ConditionExpression).toContain("#escalation.#executionName = :name");
    expect(rename?.ExpressionAttributeValues?.[":renamed"]).toEqual({ S: name });
    expect(sfnMock.commandCalls(StartExecutionCommand)[1]?.args[0].input.name).toBe(name);
    // Derived from the taken execution: a retry derives the same name.
    expect(
      freshName(
        "dev1-e2",
        `${MACHINE.replace(":stateMachine:", ":execution:")}:dev1-e2@${startDate.toISOString()}`,
      ),
    ).toBe(name);
  });
});
