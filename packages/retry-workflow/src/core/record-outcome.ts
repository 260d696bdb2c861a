// Recording one failure or success, the hot path of a storm: atomic conditional writes on the device's record,
// nothing read first. A failure below the limit is one UpdateItem (ADD to the counter, history appended). The
// failure that reaches the limit claims the escalation in the same kind of write (the counter must still be at
// limit - 1, so exactly one message wins), and only that message starts a workflow. The first failure of a
// cycle first backs up the registry's attributes: counting waits until that backup exists, so a device is never
// moved out before what to restore is known. Failures while the workflow holds the device (cooling down,
// quarantining, quarantined) are recorded in its history and advance nothing. A success resets the counters and
// ends the cycle. A message recorded once (its key is in the record) is not recorded again.

import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { IoTClient } from "@aws-sdk/client-iot";
import { errorName, TransientError } from "@fleet/shared-aws";
import { type EscalationDeps, executionName, startEscalation } from "./escalation";
import { BOOL, M, N, S } from "./item-update";
import type { Outcome } from "./messages";
import {
  type DeviceRecord,
  type HistoryEntry,
  type Phase,
  RecordUpdate,
  recordKey,
  trimHistory,
  type WriteResult,
  write,
} from "./records";
import { registryAttributes } from "./registry";

export interface RecordOutcomeDeps extends EscalationDeps {
  iot: IoTClient;
  retryLimit: number;
  historyLimit: number;
}

export type OutcomeResult =
  | { deviceId: string; result: "counted"; retryCounter: number; cycle: number }
  | { deviceId: string; result: "escalated"; cycle: number; executionName: string }
  | { deviceId: string; result: "reset" }
  | { deviceId: string; result: "held"; phase: Phase; executionName?: string }
  | { deviceId: string; result: "duplicate" }
  | { deviceId: string; result: "ignored"; reason: string };

// Each pass either finishes or moves the record on (created, backed up, claimed by another): a few suffice.
const MAX_PASSES = 8;

const entry = (outcome: Outcome, event: string, detail = outcome.detail): HistoryEntry => ({
  at: outcome.at,
  event,
  detail,
  key: outcome.key,
});

type Action = "count" | "claim" | "hold" | "reset";
interface Attempt {
  action: Action;
  written: WriteResult;
}

const attempt = async (action: Action, written: Promise<WriteResult>): Promise<Attempt> => ({
  action,
  written: await written,
});

/** Records the outcome; throws only for a reason that may pass (throttling, a network error), to be retried. */
export async function recordOutcome(deps: RecordOutcomeDeps, outcome: Outcome): Promise<OutcomeResult> {
  const { deviceId } = outcome;
  let next =
    outcome.kind === "failed"
      ? await attempt("count", count(deps, outcome))
      : await attempt("reset", resetIfCounting(deps, outcome));
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const { written } = next;
    if (written.ok) return finish(deps, outcome, next.action, written.record);
    const current = written.current;
    if (current?.seen.includes(outcome.key)) return { deviceId, result: "duplicate" };
    if (outcome.kind === "succeeded") {
      if (!current) return { deviceId, result: "ignored", reason: "no failure of this device was recorded" };
      if (current.phase === "counting" && current.retryCounter === 0 && current.cycle === 0) {
        return { deviceId, result: "ignored", reason: "nothing to reset" };
      }
      next =
        current.phase === "counting"
          ? await attempt("reset", reset(deps, outcome, current))
          : await attempt("hold", hold(deps, outcome, current));
    } else if (!current || (current.phase === "counting" && current.backedUpEpoch !== current.epoch)) {
      const refused = await backUp(deps, deviceId, current);
      if (refused) return { deviceId, result: "ignored", reason: refused };
      next = await attempt("count", count(deps, outcome));
    } else if (current.phase !== "counting") {
      next = await attempt("hold", hold(deps, outcome, current));
    } else if (current.retryCounter >= deps.retryLimit - 1) {
      next = await attempt("claim", claimEscalation(deps, outcome, current));
    } else {
      next = await attempt("count", count(deps, outcome));
    }
  }
  throw new TransientError(`${deviceId}: the record kept changing while this message was recorded`);
}

/** The common case: one more failure below the limit, in a cycle whose backup exists. */
function count(deps: RecordOutcomeDeps, outcome: Outcome): Promise<WriteResult> {
  return write(
    deps,
    new RecordUpdate(deps, outcome.deviceId)
      .once(outcome.key)
      .bind("counting", S("counting"))
      .bind("last", N(deps.retryLimit - 1))
      .bind("one", N(1))
      .when("#phase = :counting AND #retryCounter < :last AND #backedUpEpoch = #epoch")
      .add("#retryCounter :one, #totalFailures :one")
      .appendHistory([entry(outcome, "failed")]),
  );
}

/** The failure at the limit: the counter is still at limit - 1, so one message alone passes this condition. */
function claimEscalation(
  deps: RecordOutcomeDeps,
  outcome: Outcome,
  current: DeviceRecord,
): Promise<WriteResult> {
  const cycle = current.cycle + 1;
  const epoch = current.epoch + 1;
  const phase: Phase = cycle === 1 ? "coolingDown" : "quarantining";
  const name = executionName(outcome.deviceId, epoch);
  return write(
    deps,
    new RecordUpdate(deps, outcome.deviceId)
      .once(outcome.key)
      .bind("counting", S("counting"))
      .bind("epoch", N(current.epoch))
      .bind("counter", N(current.retryCounter))
      .bind("phase", S(phase))
      .bind("cycle", N(Math.min(cycle, 2)))
      .bind("nextEpoch", N(epoch))
      .bind("zero", N(0))
      .bind("one", N(1))
      .bind("escalation", M({ epoch: N(epoch), executionName: S(name), started: BOOL(false) }))
      .when("#phase = :counting AND #epoch = :epoch AND #retryCounter = :counter")
      .set("#phase = :phase, #cycle = :cycle, #epoch = :nextEpoch, #retryCounter = :zero")
      .set("#escalation = :escalation")
      .add("#totalFailures :one")
      .appendHistory([
        entry(outcome, "failed"),
        {
          at: outcome.at,
          event: cycle === 1 ? "cycled-out" : "quarantining",
          detail: `${current.retryCounter + 1} failures in cycle ${current.cycle}: ${name}`,
        },
      ]),
  );
}

/** The workflow holds the device: the message goes to its history and advances nothing. */
function hold(deps: RecordOutcomeDeps, outcome: Outcome, current: DeviceRecord): Promise<WriteResult> {
  const update = new RecordUpdate(deps, outcome.deviceId)
    .once(outcome.key)
    .bind("epoch", N(current.epoch))
    .bind("phase", S(current.phase))
    .bind("one", N(1))
    .when("#epoch = :epoch AND #phase = :phase")
    .appendHistory([entry(outcome, `${outcome.kind}-while-${current.phase}`)]);
  if (outcome.kind === "failed") update.add("#totalFailures :one");
  return write(deps, update);
}

/** A success ends the cycle: counter and cycle back to 0, a new epoch (its first failure backs up again). */
function reset(deps: RecordOutcomeDeps, outcome: Outcome, current: DeviceRecord): Promise<WriteResult> {
  return write(
    deps,
    new RecordUpdate(deps, outcome.deviceId)
      .once(outcome.key)
      .bind("counting", S("counting"))
      .bind("epoch", N(current.epoch))
      .bind("nextEpoch", N(current.epoch + 1))
      .bind("zero", N(0))
      .when("#phase = :counting AND #epoch = :epoch")
      .set("#retryCounter = :zero, #cycle = :zero, #epoch = :nextEpoch")
      .appendHistory([entry(outcome, "succeeded", `${outcome.detail}: counters reset`)]),
  );
}

/** The first try for a success: reset a counting device with something to reset, without reading first. */
function resetIfCounting(deps: RecordOutcomeDeps, outcome: Outcome): Promise<WriteResult> {
  return write(
    deps,
    new RecordUpdate(deps, outcome.deviceId)
      .once(outcome.key)
      .bind("counting", S("counting"))
      .bind("zero", N(0))
      .bind("one", N(1))
      .when("#phase = :counting AND (#retryCounter > :zero OR #cycle > :zero)")
      .set("#retryCounter = :zero, #cycle = :zero")
      .add("#epoch :one")
      .appendHistory([entry(outcome, "succeeded", `${outcome.detail}: counters reset`)]),
  );
}

/**
 * The first failure of a cycle: the registry's attributes (never the message's) into the backup, the first
 * backup of the epoch kept, then the record told. Creates the record of a device's first failure. Answers why
 * nothing was done when the device is not in the registry.
 */
async function backUp(
  deps: RecordOutcomeDeps,
  deviceId: string,
  current: DeviceRecord | undefined,
): Promise<string | undefined> {
  const attributes = await registryAttributes(deps.iot, deviceId);
  if (!attributes) {
    return current
      ? "the device no longer exists in the registry"
      : "unknown device: no thing of that name in the registry";
  }
  const epoch = current?.epoch ?? 1;
  try {
    await deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.backupTable,
        Item: {
          ...recordKey(deviceId),
          epoch: N(epoch),
          attributes: M(Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, S(v)]))),
          takenAt: N(Date.now()),
        },
        ConditionExpression: "attribute_not_exists(#deviceId) OR #epoch <> :epoch",
        ExpressionAttributeNames: { "#deviceId": "deviceId", "#epoch": "epoch" },
        ExpressionAttributeValues: { ":epoch": N(epoch) },
      }),
    );
  } catch (error) {
    // Another message of the same first failures backed this epoch up already: that copy stands.
    if (errorName(error) !== "ConditionalCheckFailedException") throw error;
  }
  const update = new RecordUpdate(deps, deviceId).bind("epoch", N(epoch)).set("#backedUpEpoch = :epoch");
  if (current) update.when("#epoch = :epoch");
  else {
    update
      .bind("counting", S("counting"))
      .bind("zero", N(0))
      // Created with its backup mark; a creator that lost the race finds the record on its next pass.
      .when("attribute_not_exists(#deviceId)")
      .set(
        "#phase = :counting, #cycle = :zero, #epoch = :epoch, #retryCounter = :zero, #totalFailures = :zero",
      );
  }
  await write(deps, update);
  return undefined;
}

async function finish(
  deps: RecordOutcomeDeps,
  outcome: Outcome,
  action: Action,
  record: DeviceRecord,
): Promise<OutcomeResult> {
  await trimHistory(deps, record, deps.historyLimit);
  const { deviceId } = outcome;
  switch (action) {
    case "count":
      return { deviceId, result: "counted", retryCounter: record.retryCounter, cycle: record.cycle };
    case "reset":
      return { deviceId, result: "reset" };
    case "claim":
      return {
        deviceId,
        result: "escalated",
        cycle: record.cycle,
        executionName: await startEscalation(deps, record),
      };
    case "hold": {
      // A claim whose start was lost (its message failed after the claim) is started by the next message.
      const { escalation } = record;
      if (escalation && !escalation.started && escalation.epoch === record.epoch) {
        await startEscalation(deps, record);
      }
      return held(record);
    }
  }
}

const held = (record: DeviceRecord): OutcomeResult => ({
  deviceId: record.deviceId,
  result: "held",
  phase: record.phase,
  ...(record.escalation ? { executionName: record.escalation.executionName } : {}),
});
