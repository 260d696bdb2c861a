// The steps of the escalation state machine. Each acts only on the epoch its claim created and only in the phase
// it expects: a device released (or moved on) meanwhile makes it answer `skipped`, changing nothing. Registry
// writes happen under the device's lock (device-lock.ts); the record moves on in the same write that drops it.
import type { IoTClient } from "@aws-sdk/client-iot";
import { AddThingToThingGroupCommand, CreateThingGroupCommand } from "@aws-sdk/client-iot";
import { isAlreadyExists, NotFoundError, unlessNotFound } from "@fleet/shared-aws";
import { commitLocked, lockDevice, unlockDevice, unlocking } from "./device-lock";
import type { EscalationInput } from "./escalation";
import { N, S } from "./item-update";
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
  moving: readonly string[],
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
    moving,
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

export interface MoveDeps extends StepDeps, MovedValues {}

/** Cycle 1: the attributes the dynamic group matches take the move-out value; cycle 2: the failed value. */
export function moveAttributes(deps: MoveDeps, input: EscalationInput): Promise<StepResult> {
  const value = input.cycle === 1 ? deps.moveOutValue : deps.failedValue;
  const phase: Phase = input.cycle === 1 ? "coolingDown" : "quarantining";
  // The lock records the attributes as moved before the registry is written (see LockRequest.moving).
  return underLock(deps, input, phase, deps.attributeNames, async (_record, owner) => {
    await setAttributes(
      deps.iot,
      input.deviceId,
      Object.fromEntries(deps.attributeNames.map((name) => [name, value])),
    );
    const detail = `${deps.attributeNames.join(", ")} set to ${value}`;
    return {
      detail,
      update: unlocking(deps, input.deviceId, owner).appendHistory([
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
 * device did not have is removed), every other attribute untouched; counting resumes in cycle 1, or in cycle 0
 * when the device reported a success during the cool-down (a success ends the cycle).
 */
export function restoreAttributes(
  deps: StepDeps & Tables & MovedValues,
  input: EscalationInput,
): Promise<StepResult> {
  return underLock(deps, input, "coolingDown", [], async (record, owner) => {
    const attributes = await restoredValues(deps, record);
    if (Object.keys(attributes).length > 0) await setAttributes(deps.iot, input.deviceId, attributes);
    const succeeded = record.succeededEpoch === input.epoch;
    const detail = `restored ${describe(attributes)}${succeeded ? "; a success during the cool-down: cycle 0" : ""}`;
    return {
      detail,
      update: unlocking(deps, input.deviceId, owner)
        .bind("counting", S("counting"))
        .bind("nextEpoch", N(input.epoch + 1))
        .bind("zero", N(0))
        .bind("cycle", N(succeeded ? 0 : input.cycle))
        .set("#phase = :counting, #epoch = :nextEpoch, #retryCounter = :zero, #cycle = :cycle")
        .remove("#moved")
        .appendHistory([{ at: deps.now?.() ?? Date.now(), event: "restored", detail }]),
    };
  });
}

/** The attributes the workflow moves and the values it moves them to. */
export interface MovedValues {
  attributeNames: readonly string[];
  moveOutValue: string;
  failedValue: string;
}

/**
 * The backed-up value of each attribute to restore ("" removes one the device did not have): those the record
 * says were moved, and those `registry` (when given) shows at a moved-out value. A backed-up value that is itself
 * a moved-out value is never written back (the device would stay out): that attribute is left as it is.
 */
export async function restoredValues(
  deps: Tables & MovedValues,
  record: DeviceRecord,
  registry: Record<string, string> = {},
): Promise<Record<string, string>> {
  const outValues = [deps.moveOutValue, deps.failedValue];
  const names = new Set(record.moved);
  for (const name of deps.attributeNames) {
    if (outValues.includes(registry[name] as string)) names.add(name);
  }
  if (names.size === 0) return {};
  const backup = await readBackup(deps, record.deviceId);
  if (!backup) throw new NotFoundError(`No attribute backup of ${record.deviceId}: nothing to restore from`);
  return Object.fromEntries(
    [...names]
      .map((name) => [name, backup.attributes[name] ?? ""] as const)
      .filter(([, value]) => !outValues.includes(value)),
  );
}

const describe = (attributes: Record<string, string>) =>
  Object.entries(attributes)
    .map(([name, value]) => (value === "" ? `${name} (removed)` : `${name}=${value}`))
    .join(", ") || "nothing (no attribute was moved)";

export interface QuarantineDeps extends StepDeps {
  group: string;
}

/**
 * Adds the thing to the static group, creating the group only when it does not exist yet (CreateThingGroup
 * allows a few calls a second: a storm of quarantines must not call it each time). A dynamic group of that name
 * makes the add fail, which surfaces.
 */
async function joinGroup(iot: IoTClient, group: string, thingName: string): Promise<void> {
  const add = () => iot.send(new AddThingToThingGroupCommand({ thingGroupName: group, thingName }));
  const added = await unlessNotFound(add);
  if (added !== undefined) return;
  // The group is missing (or the thing: then the add below fails again, naming it).
  try {
    await iot.send(new CreateThingGroupCommand({ thingGroupName: group }));
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  await add();
}

/** After the wait: the device joins the static quarantine group (created on first use). */
export function quarantine(deps: QuarantineDeps, input: EscalationInput): Promise<StepResult> {
  return underLock(deps, input, "quarantining", [], async (_record, owner) => {
    await joinGroup(deps.iot, deps.group, input.deviceId);
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
