// The seed's whole flow through the real handlers against the emulator, the escalation state machine run
// locally with its real definition (waits shortened): 10 failures move a device out, the cool-down ends with
// its attributes restored (only those moved), 10 more quarantine it and tell a human once, an operator lists and
// releases it. Bad messages change nothing.

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DeleteThingCommand,
  DescribeThingCommand,
  IoTClient,
  ListThingGroupsForThingCommand,
} from "@aws-sdk/client-iot";
import { awsClient } from "@fleet/shared-aws";
import { beforeAll, describe, expect, it, jest } from "@jest/globals";
import { moveAttributes } from "../../src/core/escalation-steps";
import type { BatchResult } from "../../src/core/record-batch";
import {
  batch,
  createDevice,
  createStack,
  drain,
  executions,
  failure,
  invoke,
  runEscalation,
  startedInput,
  type TestStack,
} from "../support/stack";

jest.setTimeout(300_000);
let stack: TestStack;
const DEVICE = "flowDevice1";
const ORIGINAL = { FW: "2.27", model: "wo:v8", site: "plant-7" };

const attributes = async (thingName: string) =>
  (await awsClient(IoTClient).send(new DescribeThingCommand({ thingName }))).attributes;
const groups = async (thingName: string) =>
  (
    (await awsClient(IoTClient).send(new ListThingGroupsForThingCommand({ thingName }))).thingGroups ?? []
  ).map((g) => g.groupName);
const history = (deviceId: string) =>
  invoke<{
    phase: string;
    cycle: number;
    retryCounter: number;
    totalFailures: number;
    heldFailures: number;
    history: { event: string; detail?: string }[];
  }>("device-history", { deviceId });

async function fail(times: number, deviceId = DEVICE): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (let i = 0; i < times; i++)
    results.push(await invoke<BatchResult>("record-outcome", batch(failure(deviceId))));
  return results;
}

beforeAll(async () => {
  // The waits as a stack would shorten them; the local runner does not wait at all.
  stack = await createStack({ COOL_DOWN_SECONDS: "2", QUARANTINE_WAIT_SECONDS: "1" });
  await createDevice(DEVICE, ORIGINAL);
});

describe("a device that keeps failing", () => {
  it("is cycled out at the limit, restored after the cool-down, quarantined at the next limit, told once, released", async () => {
    const first = await fail(10);
    expect(first.slice(0, 9).every((r) => r.counts.counted === 1)).toBe(true);
    expect(first[9]?.counts.escalated).toBe(1);
    const [cycleOne] = first[9]?.escalations ?? [];
    expect(await executions(stack.env.ESCALATION_ARN as string)).toEqual([cycleOne]);
    expect(await history(DEVICE)).toMatchObject({
      phase: "coolingDown",
      cycle: 1,
      retryCounter: 0,
      totalFailures: 10,
    });

    // A failure during the cool-down is kept in the history and advances nothing.
    expect((await fail(1))[0]?.counts.held).toBe(1);
    const input = await startedInput(stack.env.ESCALATION_ARN as string, cycleOne as string);
    expect(input).toEqual({ deviceId: DEVICE, epoch: 2, cycle: 1, waitSeconds: 2 });
    await runEscalation(input);
    expect(await attributes(DEVICE)).toEqual(ORIGINAL);
    const restored = await history(DEVICE);
    expect(restored).toMatchObject({ phase: "counting", cycle: 1, retryCounter: 0, totalFailures: 11 });
    expect(restored).toMatchObject({ heldFailures: 1 });
    expect(restored.history.map((e) => e.event)).toEqual([
      "cycled-out",
      "failed-while-coolingDown",
      "moved-out",
      "restored",
    ]);
    expect(restored.history[0]?.detail).toMatch(
      /^10 failures in cycle 0 from .* the last: device reported failed/,
    );

    const second = await fail(10);
    const [cycleTwo] = second[9]?.escalations ?? [];
    expect(second[9]?.counts.escalated).toBe(1);
    await runEscalation(await startedInput(stack.env.ESCALATION_ARN as string, cycleTwo as string));
    expect(await attributes(DEVICE)).toEqual({ ...ORIGINAL, FW: "failedtoupdate", model: "failedtoupdate" });
    expect(await groups(DEVICE)).toEqual([stack.env.QUARANTINE_GROUP]);
    const notices = await drain(stack.listener);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`Device ${DEVICE} keeps failing`);
    expect(notices[0]).toContain("Model: wo:v8");
    expect(notices[0]).toContain("Firmware (FW): 2.27");
    expect(notices[0]).toContain('"deviceId":"flowDevice1"');

    // The same escalation run again (a retried execution) tells nobody twice.
    await runEscalation(await startedInput(stack.env.ESCALATION_ARN as string, cycleTwo as string));
    expect(await drain(stack.listener)).toEqual([]);

    const listed = await invoke<{ devices: { deviceId: string; phase: string }[] }>("list-quarantined", {});
    expect(listed.devices).toEqual([expect.objectContaining({ deviceId: DEVICE, phase: "quarantined" })]);

    const released = await invoke<{ from: string; removedFromGroup: boolean }>("release", {
      deviceId: DEVICE,
    });
    expect(released).toMatchObject({ from: "quarantined", removedFromGroup: true });
    expect(await attributes(DEVICE)).toEqual(ORIGINAL);
    expect(await groups(DEVICE)).toEqual([]);
    const after = await history(DEVICE);
    expect(after).toMatchObject({ phase: "counting", cycle: 0, retryCounter: 0, totalFailures: 21 });
    expect(after.history.at(-1)?.event).toBe("released");
  });

  it("resets its counters on a success, and its next failure starts a new cycle from the registry's attributes", async () => {
    const device = "flowDevice2";
    await createDevice(device, ORIGINAL);
    await fail(4, device);
    const reset = await invoke<BatchResult>("record-outcome", batch(failure(device, "succeeded")));
    expect(reset.counts.reset).toBe(1);
    expect(await history(device)).toMatchObject({ phase: "counting", cycle: 0, retryCounter: 0 });
    await fail(1, device);
    expect(await history(device)).toMatchObject({ retryCounter: 1, totalFailures: 5 });
  });
});

describe("bad input", () => {
  it("is refused or ignored with its reason and changes no table, attribute or group", async () => {
    const device = "flowDevice3";
    await createDevice(device, ORIGINAL);
    const result = await invoke<BatchResult>(
      "record-outcome",
      batch(
        { timestamp: "1711320208793", status: "failed" },
        { ...failure(device), timestamp: "yesterday" },
        { ...failure(device), status: "in_progress" },
        failure("noSuchDevice"),
        "not json",
      ),
    );
    expect(result.counts).toMatchObject({ refused: 4, ignored: 1, counted: 0 });
    expect(result.batchItemFailures).toEqual([]);
    expect(result.dropped.map((d) => d.reason)).toEqual(
      expect.arrayContaining([
        "_id_ is missing",
        'timestamp "yesterday" is not epoch milliseconds',
        'status "in_progress" is neither failed nor succeeded',
        "noSuchDevice: unknown device: no thing of that name in the registry",
        "the message is not JSON",
      ]),
    );
    await expect(history(device)).rejects.toMatchObject({ name: "NotFoundError" });
    await expect(history("noSuchDevice")).rejects.toMatchObject({ name: "NotFoundError" });
    expect(await attributes(device)).toEqual(ORIGINAL);
    await expect(invoke("release", { deviceId: device })).rejects.toMatchObject({ name: "NotFoundError" });
    await expect(invoke("release", { deviceID: device })).rejects.toMatchObject({ name: "ValidationError" });
  });

  it("comes back in cycle 0 when it reported a success during its cool-down", async () => {
    const device = "flowDevice7";
    await createDevice(device, ORIGINAL);
    const results = await fail(10, device);
    const name = results[9]?.escalations[0] as string;
    const succeeded = await invoke<BatchResult>("record-outcome", batch(failure(device, "succeeded")));
    expect(succeeded.counts.held).toBe(1);
    await runEscalation(await startedInput(stack.env.ESCALATION_ARN as string, name));
    expect(await attributes(device)).toEqual(ORIGINAL);
    const record = await history(device);
    expect(record).toMatchObject({ phase: "counting", cycle: 0, retryCounter: 0 });
    expect(record.history.map((e) => e.event)).toEqual([
      "cycled-out",
      "succeeded-while-coolingDown",
      "moved-out",
      "restored",
    ]);
  });

  it("records a redelivered message once", async () => {
    const device = "flowDevice4";
    await createDevice(device, ORIGINAL);
    const message = failure(device);
    await invoke("record-outcome", batch(message));
    const again = await invoke<BatchResult>("record-outcome", batch(message));
    expect(again.counts.duplicate).toBe(1);
    expect(await history(device)).toMatchObject({ retryCounter: 1, totalFailures: 1 });
  });

  it("is reported, never re-created, when it no longer exists: the escalation ends in its failure path", async () => {
    const device = "flowDevice5";
    await createDevice(device, ORIGINAL);
    const results = await fail(10, device);
    const [name] = results[9]?.escalations ?? [];
    await awsClient(IoTClient).send(new DeleteThingCommand({ thingName: device }));
    const input = await startedInput(stack.env.ESCALATION_ARN as string, name as string);
    await expect(runEscalation(input)).rejects.toMatchObject({ name: "ExecutionError" });
    await expect(attributes(device)).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    const record = await history(device);
    expect(record.history.at(-1)).toMatchObject({
      event: "escalation-failed",
      detail: expect.stringContaining(`NotFoundError: Device ${device} no longer exists in the registry`),
    });
    // The failure path dropped the escalation's lock: an operator can release the record.
    await expect(invoke("release", { deviceId: device })).resolves.toMatchObject({ from: "coolingDown" });
  });

  it("a move step that crashed after its registry write leaves no stranded device: the release restores it", async () => {
    const device = "flowDevice6";
    await createDevice(device, ORIGINAL);
    const results = await fail(10, device);
    const input = await startedInput(
      stack.env.ESCALATION_ARN as string,
      results[9]?.escalations[0] as string,
    );
    // The step's last write (the commit dropping the lock) fails, as if its Lambda died right after UpdateThing.
    const dynamodb = awsClient(DynamoDBClient);
    const crash = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const input = (args as { input: { UpdateExpression?: string } }).input;
      if (input.UpdateExpression?.includes("REMOVE #lockOwner")) throw new Error("Lambda timed out");
      return next(args);
    };
    dynamodb.middlewareStack.add(crash as never, { step: "initialize", name: "crashOnCommit" });
    try {
      await expect(
        moveAttributes(
          {
            dynamodb,
            iot: awsClient(IoTClient),
            retriesTable: stack.env.RETRIES_TABLE as string,
            historyLimit: 50,
            attributeNames: ["FW", "model"],
            moveOutValue: "moveOut",
            failedValue: "failedtoupdate",
          },
          input,
        ),
      ).rejects.toThrow("Lambda timed out");
    } finally {
      dynamodb.middlewareStack.remove("crashOnCommit");
    }
    expect(await attributes(device)).toMatchObject({ FW: "moveOut", model: "moveOut" });
    // The lock recorded what was being moved before the registry was written.
    expect(await invoke("device-history", { deviceId: device })).toMatchObject({ moved: ["FW", "model"] });
    // The crashed holder's lock stops the operator until its lease ends, or the step's retry finishes the move.
    await expect(invoke("release", { deviceId: device })).rejects.toMatchObject({ name: "ConflictError" });
    await expect(invoke("move-attributes", input)).resolves.toMatchObject({ outcome: "done" });
    await expect(invoke("release", { deviceId: device })).resolves.toMatchObject({
      from: "coolingDown",
      restored: { FW: "2.27", model: "wo:v8" },
    });
    expect(await attributes(device)).toEqual(ORIGINAL);
  });
});
