// The steps of the escalation state machine. Each acts only on the epoch its claim created and only in the phase
// it expects: a device released (or moved on) meanwhile makes it answer `skipped`, changing nothing. Registry
// writes happen under the device's lock (device-lock.ts); the record moves on in the same write that drops it.
import type { IoTClient } from "@aws-sdk/client-iot";
import { AddThingToThingGroupCommand, CreateThingGroupCommand } from "@aws-sdk/client-iot";
import { isAlreadyExists, NotFoundError } from "@fleet/shared-aws";
import { commitLocked, lockDevice, unlockDevice, unlocking } from "./device-lock";
import type { EscalationInput } from "./escalation";
import { N, S, SS } from "./item-update";
import {
  type DeviceRecord,
  type Phase,
  type RecordStore,
  readBackup,
  type Tables,
  trimHistory,
} from "./records";
import { setAttributes } from "./registry";

export interface StepDeps extends RecordStore {
  iot: IoTClient;
  historyLimit: number;
  now?: () => number;
}

export type StepResult =
  | { outcome: "done"; deviceId: string; detail: string }
  | { outcome: "skipped"; deviceId: string; reason: string };

/** The lock owner of one escalation: its steps run one after another, so they share it. */
export const escalationOwner = (input: Pick<EscalationInput, "deviceId" | "epoch">) =>
  `escalation:${input.deviceId}:e${input.epoch}`;

const skipped = (input: EscalationInput, record: DeviceRecord): StepResult => ({
  outcome: "skipped",
  deviceId: input.deviceId,
  reason: `the device moved on (now ${record.phase}, epoch ${record.epoch}; this escalation is epoch ${input.epoch}): released or superseded`,
});

/**
 * Under the escalation's lock (epoch and phase as expected): `change` writes the registry and says how the record
 * moves on; then that update is committed with the lock dropped. The lock is dropped too if `change` fails.
 */
async function underLock(
  deps: StepDeps,
  input: EscalationInput,
  phase: Phase,
  change: (
    record: DeviceRecord,
    owner: string,
  ) => Promise<{ update: ReturnType<typeof unlocking>; detail: string }>,
): Promise<StepResult> {
  const owner = escalationOwner(input);
  const lock = await lockDevice(deps, {
    deviceId: input.deviceId,
    owner,
    epoch: input.epoch,
    phases: [phase],
    now: deps.now?.(),
  });
  if (!lock.held) return skipped(input, lock.record);
  let committed: DeviceRecord;
  let detail: string;
  try {
    const changed = await change(lock.record, owner);
    detail = changed.detail;
    committed = await commitLocked(deps, changed.update, owner);
  } catch (error) {
    await unlockDevice(deps, input.deviceId, owner);
    throw error;
  }
  await trimHistory(deps, committed, deps.historyLimit);
  return { outcome: "done", deviceId: input.deviceId, detail };
}

export interface MoveDeps extends StepDeps {
  attributeNames: readonly string[];
  moveOutValue: string;
  failedValue: string;
}

/** Cycle 1: the attributes the dynamic group matches take the move-out value; cycle 2: the failed value. */
export function moveAttributes(deps: MoveDeps, input: EscalationInput): Promise<StepResult> {
  const value = input.cycle === 1 ? deps.moveOutValue : deps.failedValue;
  const phase: Phase = input.cycle === 1 ? "coolingDown" : "quarantining";
  return underLock(deps, input, phase, async (record, owner) => {
    await setAttributes(
      deps.iot,
      input.deviceId,
      Object.fromEntries(deps.attributeNames.map((name) => [name, value])),
    );
    const detail = `${deps.attributeNames.join(", ")} set to ${value}`;
    const moved = [...new Set([...record.moved, ...deps.attributeNames])];
    return {
      detail,
      update: unlocking(deps, input.deviceId, owner)
        .bind("moved", SS(moved))
        .set("#moved = :moved")
        .appendHistory([
          {
            at: deps.now?.() ?? Date.now(),
            event: input.cycle === 1 ? "moved-out" : "marked-failed",
            detail,
          },
        ]),
    };
  });
}

/**
 * After the cool-down: the attributes this escalation moved get their backed-up values again (an attribute the
 * device did not have is removed), every other attribute untouched; counting resumes in cycle 1.
 */
export function restoreAttributes(deps: StepDeps & Tables, input: EscalationInput): Promise<StepResult> {
  return underLock(deps, input, "coolingDown", async (record, owner) => {
    const attributes = await restoredValues(deps, record);
    if (Object.keys(attributes).length > 0) await setAttributes(deps.iot, input.deviceId, attributes);
    const detail = `restored ${describe(attributes)}`;
    return {
      detail,
      update: unlocking(deps, input.deviceId, owner)
        .bind("counting", S("counting"))
        .bind("nextEpoch", N(input.epoch + 1))
        .bind("zero", N(0))
        .set("#phase = :counting, #epoch = :nextEpoch, #retryCounter = :zero")
        .remove("#moved")
        .appendHistory([{ at: deps.now?.() ?? Date.now(), event: "restored", detail }]),
    };
  });
}

/** The backed-up value of each attribute the record says was moved ("" removes one the device did not have). */
export async function restoredValues(tables: Tables, record: DeviceRecord): Promise<Record<string, string>> {
  if (record.moved.length === 0) return {};
  const backup = await readBackup(tables, record.deviceId);
  if (!backup) throw new NotFoundError(`No attribute backup of ${record.deviceId}: nothing to restore from`);
  return Object.fromEntries(record.moved.map((name) => [name, backup.attributes[name] ?? ""]));
}

const describe = (attributes: Record<string, string>) =>
  Object.entries(attributes)
    .map(([name, value]) => (value === "" ? `${name} (removed)` : `${name}=${value}`))
    .join(", ") || "nothing (no attribute was moved)";

export interface QuarantineDeps extends StepDeps {
  group: string;
}

/** After the wait: the device joins the static quarantine group (created on first use). */
export function quarantine(deps: QuarantineDeps, input: EscalationInput): Promise<StepResult> {
  return underLock(deps, input, "quarantining", async (_record, owner) => {
    try {
      await deps.iot.send(new CreateThingGroupCommand({ thingGroupName: deps.group }));
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    await deps.iot.send(
      new AddThingToThingGroupCommand({ thingGroupName: deps.group, thingName: input.deviceId }),
    );
    const detail = `added to ${deps.group}`;
    return {
      detail,
      update: unlocking(deps, input.deviceId, owner)
        .bind("quarantined", S("quarantined"))
        .set("#phase = :quarantined")
        .appendHistory([{ at: deps.now?.() ?? Date.now(), event: "quarantined", detail }]),
    };
  });
}
