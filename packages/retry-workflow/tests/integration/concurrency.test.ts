// Storms against the emulator through the real record-outcome handler: many messages at once for one device,
// and a fleet's worth shuffled. Counting is atomic and each escalation is claimed by one conditional write, so
// no increment is lost and no cycle escalates twice. Then restores racing a release or a quarantine.
import { DescribeThingCommand, IoTClient, ListThingGroupsForThingCommand } from "@aws-sdk/client-iot";
import { awsClient } from "@fleet/shared-aws";
import { beforeAll, describe, expect, it, jest } from "@jest/globals";
import type { EscalationInput } from "../../src/core/escalation";
import type { BatchResult } from "../../src/core/record-batch";
import {
  batch,
  createDevice,
  createStack,
  executions,
  failure,
  invoke,
  runEscalation,
  startedInput,
  type TestStack,
} from "../support/stack";
import { inFlight, shuffled } from "../support/storm";

jest.setTimeout(900_000);
let stack: TestStack;
const ORIGINAL = { FW: "2.27", model: "wo:v8" };

interface Shown {
  phase: string;
  cycle: number;
  retryCounter: number;
  totalFailures: number;
  heldFailures: number;
  history: { event: string; detail?: string }[];
}
const shown = (deviceId: string) => invoke<Shown>("device-history", { deviceId });
const attributes = async (thingName: string) =>
  (await awsClient(IoTClient).send(new DescribeThingCommand({ thingName }))).attributes;

beforeAll(async () => {
  stack = await createStack({ CONCURRENCY: "10" });
});

describe("a storm of failures", () => {
  it("50 messages for one device at once: the count and history are exact, and one escalation starts", async () => {
    const device = "stormOne";
    await createDevice(device, ORIGINAL);
    const messages = Array.from({ length: 50 }, () => failure(device));
    const results = await Promise.all(messages.map((m) => invoke<BatchResult>("record-outcome", batch(m))));
    const total = (key: keyof BatchResult["counts"]) => results.reduce((n, r) => n + r.counts[key], 0);
    expect(total("failed")).toBe(0);
    expect({ counted: total("counted"), escalated: total("escalated"), held: total("held") }).toEqual({
      counted: 9,
      escalated: 1,
      held: 40,
    });
    const record = await shown(device);
    expect(record).toMatchObject({
      phase: "coolingDown",
      cycle: 1,
      retryCounter: 0,
      totalFailures: 50,
      heldFailures: 40,
    });
    // The 40 failures during the cool-down are in the history, once each, and advanced nothing.
    expect(record.history.map((e) => e.event)).toEqual([
      "cycled-out",
      ...Array.from({ length: 40 }, () => "failed-while-coolingDown"),
    ]);
    expect(record.history[0]?.detail).toMatch(/^10 failures in cycle 0 /);
    const started = (await executions(stack.env.ESCALATION_ARN as string)).filter((n) =>
      n.startsWith(device),
    );
    expect(started).toEqual([`${device}-e2`]);
  });

  it("1,000 devices × 12 failures, shuffled, 32 at a time: every device in cycle 1 exactly once, none lost", async () => {
    const devices = Array.from({ length: 1000 }, (_, i) => `fleetStorm${i}`);
    await inFlight(devices, 16, (d) => createDevice(d, ORIGINAL));
    const messages = shuffled(devices.flatMap((d) => Array.from({ length: 12 }, () => failure(d))));
    const results = await inFlight(messages, 32, (m) => invoke<BatchResult>("record-outcome", batch(m)));
    expect(results.filter((r) => r.batchItemFailures.length > 0)).toEqual([]);
    expect(results.reduce((n, r) => n + r.counts.escalated, 0)).toBe(1000);
    const started = (await executions(stack.env.ESCALATION_ARN as string)).filter((n) =>
      n.startsWith("fleetStorm"),
    );
    expect(new Set(started).size).toBe(started.length);
    expect(started.sort()).toEqual(devices.map((d) => `${d}-e2`).sort());
    const records = await inFlight(devices, 16, shown);
    const wrong = records.filter((r) => r.phase !== "coolingDown" || r.cycle !== 1 || r.totalFailures !== 12);
    expect(wrong).toEqual([]);
  });
});

describe("a restore racing", () => {
  async function coolingDown(device: string): Promise<EscalationInput> {
    await createDevice(device, ORIGINAL);
    let name: string | undefined;
    for (let i = 0; i < 10; i++) {
      name = (await invoke<BatchResult>("record-outcome", batch(failure(device)))).escalations[0] ?? name;
    }
    const input = await startedInput(stack.env.ESCALATION_ARN as string, name as string);
    await invoke("move-attributes", input);
    return input;
  }

  it("a release: whichever wins, the device ends released and restored, never moved out again", async () => {
    for (let i = 0; i < 5; i++) {
      const device = `raceRelease${i}`;
      const input = await coolingDown(device);
      expect(await attributes(device)).toEqual({ FW: "moveOut", model: "moveOut" });
      const [restore, release] = await Promise.allSettled([
        invoke<{ outcome: string }>("restore-attributes", input),
        invoke("release", { deviceId: device }),
      ]);
      // The loser either did nothing (skipped) or found the device locked and may be retried.
      if (release.status === "rejected") {
        expect(release.reason).toMatchObject({ name: "ConflictError" });
        await invoke("release", { deviceId: device });
      }
      if (restore.status === "rejected") expect(restore.reason).toMatchObject({ name: "TransientError" });
      expect(await attributes(device)).toEqual(ORIGINAL);
      expect(await shown(device)).toMatchObject({ phase: "counting", cycle: 0, retryCounter: 0 });
      // The cool-down's restore, when Step Functions runs it (again), finds the device released and does nothing.
      expect(await invoke<{ outcome: string }>("restore-attributes", input)).toMatchObject({
        outcome: "skipped",
      });
    }
  });

  it("a quarantine: a late restore of cycle 1 never re-admits a quarantined device", async () => {
    const device = "raceQuarantine";
    const cycleOne = await coolingDown(device);
    await invoke("restore-attributes", cycleOne);
    let name: string | undefined;
    for (let i = 0; i < 10; i++) {
      name = (await invoke<BatchResult>("record-outcome", batch(failure(device)))).escalations[0] ?? name;
    }
    await runEscalation(await startedInput(stack.env.ESCALATION_ARN as string, name as string));
    expect(await attributes(device)).toEqual({ FW: "failedtoupdate", model: "failedtoupdate" });
    // The first escalation's restore, delivered again late.
    expect(await invoke<{ outcome: string }>("restore-attributes", cycleOne)).toMatchObject({
      outcome: "skipped",
    });
    expect(await attributes(device)).toEqual({ FW: "failedtoupdate", model: "failedtoupdate" });
    const { thingGroups = [] } = await awsClient(IoTClient).send(
      new ListThingGroupsForThingCommand({ thingName: device }),
    );
    expect(thingGroups.map((g) => g.groupName)).toEqual([stack.env.QUARANTINE_GROUP]);
    expect(await shown(device)).toMatchObject({ phase: "quarantined", cycle: 2 });
  });

  it("a quarantine: late cycle-1 restores racing the cycle-2 steps never re-admit the device", async () => {
    const device = "raceQuarantine2";
    const cycleOne = await coolingDown(device);
    await invoke("restore-attributes", cycleOne);
    let name: string | undefined;
    for (let i = 0; i < 10; i++) {
      name = (await invoke<BatchResult>("record-outcome", batch(failure(device)))).escalations[0] ?? name;
    }
    const cycleTwo = await startedInput(stack.env.ESCALATION_ARN as string, name as string);
    // The whole cycle-2 escalation and five deliveries of the old restore, all at once.
    const [escalation, ...restores] = await Promise.allSettled([
      runEscalation(cycleTwo),
      ...Array.from({ length: 5 }, () => invoke<{ outcome: string }>("restore-attributes", cycleOne)),
    ]);
    expect(escalation.status).toBe("fulfilled");
    for (const restore of restores) {
      expect(restore).toMatchObject({ status: "fulfilled", value: { outcome: "skipped" } });
    }
    expect(await attributes(device)).toEqual({ FW: "failedtoupdate", model: "failedtoupdate" });
    expect(await shown(device)).toMatchObject({ phase: "quarantined", cycle: 2 });
  });
});
