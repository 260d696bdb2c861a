// Recording one failure or success, the hot path of a storm: atomic conditional writes on the device's record,
// about one DynamoDB request per message. A failure below the limit is one UpdateItem that adds to the counters
// and the phase's message keys, nothing else, answered with nothing. The first failure of a cycle backs up the
// registry's attributes (DescribeThing, then a PutItem), then creates or marks the record and counts itself in one
// write: counting waits until that backup exists, so a device is never moved out before what to restore is known.
// The failure that reaches the limit claims the escalation in the same kind of write (the counter must still be at
// limit - 1, so exactly one message wins), noting the claiming message, and only that message starts a workflow;
// if it fails after the claim, SQS delivers it again and it starts the workflow again under the same name (a
// second start of a name is harmless). Failures while the workflow holds the device (cooling down, quarantining,
// quarantined) are counted apart and recorded in the history, and advance nothing. A success resets the counters
// and ends the cycle. A message counted once in a phase (its key is in the record) is not counted again.
//
// Which write to try first is guessed from the record this container last saw of the device (a cache of the
// decision fields: every write is conditional, so a stale guess costs one refused write, never a wrong count).
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { IoTClient } from "@aws-sdk/client-iot";
import { errorName, TransientError } from "@fleet/shared-aws";
import { type EscalationDeps, executionName, startEscalation } from "./escalation";
import { M, N, S, SS } from "./item-update";
import type { Outcome } from "./messages";
import {
  type DeviceRecord,
  type HistoryEntry,
  type Phase,
  type QuietWriteResult,
  RecordUpdate,
  recordKey,
  trimHistory,
  type WriteResult,
  write,
  writeQuietly,
} from "./records";
import { registryAttributes } from "./registry";

export interface RecordOutcomeDeps extends EscalationDeps {
  iot: IoTClient;
  retryLimit: number;
  historyLimit: number;
  /** The last record seen of each device, in this container: which write to try first. */
  known?: KnownRecords;
}

export type OutcomeResult =
  | { deviceId: string; result: "counted" }
  | { deviceId: string; result: "escalated"; cycle: number; executionName: string }
  | { deviceId: string; result: "reset" }
  | { deviceId: string; result: "held"; phase: Phase; executionName?: string }
  | { deviceId: string; result: "duplicate" }
  | { deviceId: string; result: "ignored"; reason: string };

/** The last record seen of each device, at most `size` devices (the oldest forgotten first). */
export class KnownRecords {
  private readonly records = new Map<string, DeviceRecord>();

  constructor(private readonly size = 10_000) {}

  get(deviceId: string): DeviceRecord | undefined {
    return this.records.get(deviceId);
  }

  /** A count this container made: the record it knows moves on as the write did. */
  counted(outcome: Outcome): void {
    const known = this.records.get(outcome.deviceId);
    if (!known) return;
    this.remember({
      ...known,
      retryCounter: known.retryCounter + 1,
      totalFailures: known.totalFailures + 1,
      seen: [...known.seen, outcome.key],
    });
  }

  remember(record: DeviceRecord | undefined): void {
    if (!record) return;
    this.records.delete(record.deviceId);
    // The decision fields only: a record's history would make the cache grow with every device's story.
    this.records.set(record.deviceId, { ...record, history: [] });
    if (this.records.size > this.size) this.records.delete(this.records.keys().next().value as string);
  }
}

// Each pass either finishes or moves the record on (created, backed up, claimed by another): a few suffice.
const MAX_PASSES = 8;

type Action = "count" | "claim" | "hold" | "reset";
type Next =
  | { action: Action; written: Promise<WriteResult | QuietWriteResult> }
  | { done: OutcomeResult }
  /** The cycle's backup first (of the record as it stands; none yet: the device's first failure). */
  | { backUp: DeviceRecord | undefined }
  /** The claim's own message, delivered again: its start may have been lost. */
  | { start: DeviceRecord };

/** Records the outcome; throws only for a reason that may pass (throttling, a network error), to be retried. */
export async function recordOutcome(deps: RecordOutcomeDeps, outcome: Outcome): Promise<OutcomeResult> {
  const { deviceId } = outcome;
  const known = deps.known?.get(deviceId);
  const guessed = known ? decide(deps, outcome, known) : undefined;
  // A hint may pick a write, never settle a message without one (only what a write answered can), and never
  // a backup: the registry is backed up only for the epoch a write just answered with, never a cached one.
  let next: Next =
    guessed &&
    !("backUp" in guessed) &&
    !("start" in guessed) &&
    !("done" in guessed && guessed.done.result !== "duplicate")
      ? guessed
      : outcome.kind === "failed"
        ? { action: "count", written: count(deps, outcome) }
        : { action: "reset", written: resetIfCounting(deps, outcome) };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    if ("done" in next) return next.done;
    if ("start" in next) {
      await startEscalation(deps, next.start);
      return held(next.start);
    }
    if ("backUp" in next) {
      const backed = await backUp(deps, outcome, next.backUp);
      if ("refused" in backed) return { deviceId, result: "ignored", reason: backed.refused };
      if (backed.counted) return { deviceId, result: "counted" };
      next = decide(deps, outcome, backed.current);
      continue;
    }
    const written = await next.written;
    if (written.ok && "record" in written) {
      deps.known?.remember(written.record);
      return finish(deps, outcome, next.action, written.record);
    }
    if (written.ok) {
      deps.known?.counted(outcome);
      return { deviceId, result: "counted" };
    }
    deps.known?.remember(written.current);
    next = decide(deps, outcome, written.current);
  }
  throw new TransientError(`${deviceId}: the record kept changing while this message was recorded`);
}

/** The write the record as it stands calls for (the record may be a hint: the write's condition decides). */
function decide(deps: RecordOutcomeDeps, outcome: Outcome, current: DeviceRecord | undefined): Next {
  const { deviceId } = outcome;
  if (current?.seen.includes(outcome.key)) {
    // The claim's own message delivered again (it failed after the claim): it starts the claim's execution.
    const { escalation } = current;
    if (escalation?.messageKey === outcome.key && escalation.epoch === current.epoch)
      return { start: current };
    return { done: { deviceId, result: "duplicate" } };
  }
  if (outcome.kind === "succeeded") {
    if (!current)
      return { done: { deviceId, result: "ignored", reason: "no failure of this device was recorded" } };
    if (current.phase !== "counting") return { action: "hold", written: hold(deps, outcome, current) };
    if (current.retryCounter === 0 && current.cycle === 0) {
      return { done: { deviceId, result: "ignored", reason: "nothing to reset" } };
    }
    return { action: "reset", written: reset(deps, outcome, current) };
  }
  if (!current || (current.phase === "counting" && current.backedUpEpoch !== current.epoch)) {
    return { backUp: current };
  }
  if (current.phase !== "counting") return { action: "hold", written: hold(deps, outcome, current) };
  if (current.retryCounter >= deps.retryLimit - 1) {
    return { action: "claim", written: claimEscalation(deps, outcome, current) };
  }
  return { action: "count", written: count(deps, outcome) };
}

/**
 * The common case: one more failure below the limit, in a cycle whose backup exists. Only the counters and the
 * message's key (the latest failure is noted by the claim and the holds, the cycle's start by its backup);
 * answered with nothing.
 */
function count(deps: RecordOutcomeDeps, outcome: Outcome): Promise<QuietWriteResult> {
  return writeQuietly(
    deps,
    new RecordUpdate(deps, outcome.deviceId)
      .once(outcome.key)
      .bind("counting", S("counting"))
      .bind("last", N(deps.retryLimit - 1))
      .bind("one", N(1))
      .when("#phase = :counting AND #retryCounter < :last AND #backedUpEpoch = #epoch")
      .add("#retryCounter :one, #totalFailures :one"),
  );
}

const iso = (at: number | undefined) => (at === undefined ? "?" : new Date(at).toISOString());

/** The failure at the limit: the counter is still at limit - 1, so one message alone passes this condition. */
function claimEscalation(
  deps: RecordOutcomeDeps,
  outcome: Outcome,
  current: DeviceRecord,
): Promise<WriteResult> {
  const cycle = Math.min(current.cycle + 1, 2);
  const epoch = current.epoch + 1;
  const phase: Phase = cycle === 1 ? "coolingDown" : "quarantining";
  const name = executionName(outcome.deviceId, epoch);
  const failures = current.retryCounter + 1;
  const claimed: HistoryEntry = {
    at: outcome.at,
    event: cycle === 1 ? "cycled-out" : "quarantining",
    detail: `${failures} failures in cycle ${current.cycle} from ${iso(current.cycleStartedAt ?? outcome.at)} to ${iso(outcome.at)}, the last: ${outcome.detail}; escalation ${name}`,
  };
  return write(
    deps,
    new RecordUpdate(deps, outcome.deviceId)
      .bind("messageKey", S(outcome.key))
      .bind("counting", S("counting"))
      .bind("epoch", N(current.epoch))
      .bind("counter", N(current.retryCounter))
      .bind("phase", S(phase))
      .bind("cycle", N(cycle))
      .bind("nextEpoch", N(epoch))
      .bind("zero", N(0))
      .bind("one", N(1))
      .bind("at", N(outcome.at))
      .bind("detail", S(outcome.detail))
      .bind("escalation", M({ epoch: N(epoch), executionName: S(name), messageKey: S(outcome.key) }))
      .when("NOT contains(#seen, :messageKey)")
      .when("#phase = :counting AND #epoch = :epoch AND #retryCounter = :counter")
      .set("#phase = :phase, #cycle = :cycle, #epoch = :nextEpoch, #retryCounter = :zero")
      .set("#escalation = :escalation, #lastFailureAt = :at, #lastFailureDetail = :detail")
      .add("#totalFailures :one")
      // The cycle's message keys and start end with it; the claim's own key stays (a redelivered claim is a
      // duplicate, another message of the ended cycle counts as held).
      .bind("claimKeys", SS([outcome.key]))
      .set("#seen = :claimKeys")
      .remove("#cycleStartedAt")
      .appendHistory([claimed]),
  );
}

/** The workflow holds the device: the failure is counted apart and advances nothing. */
function hold(deps: RecordOutcomeDeps, outcome: Outcome, current: DeviceRecord): Promise<WriteResult> {
  const update = new RecordUpdate(deps, outcome.deviceId)
    .once(outcome.key)
    .bind("epoch", N(current.epoch))
    .bind("phase", S(current.phase))
    .bind("one", N(1))
    .when("#epoch = :epoch AND #phase = :phase");
  if (outcome.kind === "succeeded") {
    // Noted for the restore: a device that succeeded while cooling down comes back in cycle 0.
    return write(
      deps,
      update
        .set("#succeededEpoch = :epoch")
        .appendHistory([entry(outcome, `succeeded-while-${current.phase}`)]),
    );
  }
  return write(
    deps,
    update
      .bind("at", N(outcome.at))
      .bind("detail", S(outcome.detail))
      .set("#lastFailureAt = :at, #lastFailureDetail = :detail")
      .add("#heldFailures :one, #totalFailures :one")
      // In the history (the issue asks for it), not in the cycle's counter.
      .appendHistory([entry(outcome, `failed-while-${current.phase}`)]),
  );
}

const entry = (outcome: Outcome, event: string, detail = outcome.detail): HistoryEntry => ({
  at: outcome.at,
  event,
  detail,
  key: outcome.key,
});

/** A success ends the cycle: counter and cycle back to 0, a new epoch (its first failure backs up again). */
function reset(deps: RecordOutcomeDeps, outcome: Outcome, current: DeviceRecord): Promise<WriteResult> {
  return write(
    deps,
    new RecordUpdate(deps, outcome.deviceId)
      .bind("counting", S("counting"))
      .bind("epoch", N(current.epoch))
      .bind("nextEpoch", N(current.epoch + 1))
      .bind("zero", N(0))
      .when("#phase = :counting AND #epoch = :epoch")
      .set("#retryCounter = :zero, #cycle = :zero, #epoch = :nextEpoch")
      // The success's key stays: the same success redelivered after new failures does not reset them again.
      .bind("successKeys", SS([outcome.key]))
      .set("#seen = :successKeys")
      .remove("#cycleStartedAt")
      .appendHistory([entry(outcome, "succeeded", `${outcome.detail}: counters reset`)]),
  );
}

/** The first try for a success: reset a counting device with something to reset, without reading first. */
function resetIfCounting(deps: RecordOutcomeDeps, outcome: Outcome): Promise<WriteResult> {
  return write(
    deps,
    new RecordUpdate(deps, outcome.deviceId)
      .bind("counting", S("counting"))
      .bind("zero", N(0))
      .bind("one", N(1))
      .when("#phase = :counting AND (#retryCounter > :zero OR #cycle > :zero)")
      .set("#retryCounter = :zero, #cycle = :zero")
      .add("#epoch :one")
      .bind("successKeys", SS([outcome.key]))
      .set("#seen = :successKeys")
      .remove("#cycleStartedAt")
      .appendHistory([entry(outcome, "succeeded", `${outcome.detail}: counters reset`)]),
  );
}

type BackedUp =
  | { refused: string }
  | { counted: true }
  /** Not counted: the record as the write left it, or as it stood when the write was refused. */
  | { counted: false; current: DeviceRecord | undefined };

/**
 * The first failure of a cycle: the registry's attributes (never the message's) into the backup, the first
 * backup of the epoch kept and never one of a newer epoch overwritten, then the record created (a device's first
 * failure) or marked backed up, this failure counted in the same write. Refused, with why, when the device is
 * not in the registry.
 */
async function backUp(
  deps: RecordOutcomeDeps,
  outcome: Outcome,
  current: DeviceRecord | undefined,
): Promise<BackedUp> {
  const { deviceId } = outcome;
  const attributes = await registryAttributes(deps.iot, deviceId);
  if (!attributes) {
    return {
      refused: current
        ? "the device no longer exists in the registry"
        : "unknown device: no thing of that name in the registry",
    };
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
        // Only over an older epoch's backup: a newer one (taken while this message waited) stands.
        ConditionExpression: "attribute_not_exists(#deviceId) OR #epoch < :epoch",
        ExpressionAttributeNames: { "#deviceId": "deviceId", "#epoch": "epoch" },
        ExpressionAttributeValues: { ":epoch": N(epoch) },
      }),
    );
  } catch (error) {
    // Another message of the same first failures backed this epoch (or a newer one) up already: that stands.
    if (errorName(error) !== "ConditionalCheckFailedException") throw error;
  }
  // The cycle's first failure counts in this write, unless it reaches the limit (a limit of 1: claimed next).
  const counts = deps.retryLimit > 1;
  const update = new RecordUpdate(deps, deviceId)
    .bind("epoch", N(epoch))
    .bind("at", N(outcome.at))
    .bind("counting", S("counting"))
    .bind("zero", N(0))
    .set("#backedUpEpoch = :epoch, #cycleStartedAt = :at");
  if (counts) update.once(outcome.key).bind("one", N(1)).add("#retryCounter :one, #totalFailures :one");
  if (current) {
    // A counting record of this epoch that nothing counted yet (counting waits for the backup).
    update.when("#epoch = :epoch AND #phase = :counting AND #retryCounter = :zero");
  } else {
    // Created; a creator that lost the race finds the record on its next pass.
    update
      .when("attribute_not_exists(#deviceId)")
      .set("#phase = :counting, #cycle = :zero, #epoch = :epoch, #heldFailures = :zero");
    if (!counts) update.set("#retryCounter = :zero, #totalFailures = :zero");
  }
  const written = await write(deps, update);
  deps.known?.remember(written.ok ? written.record : written.current);
  if (written.ok && counts) return { counted: true };
  return { counted: false, current: written.ok ? written.record : written.current };
}

async function finish(
  deps: RecordOutcomeDeps,
  outcome: Outcome,
  action: Action,
  record: DeviceRecord,
): Promise<OutcomeResult> {
  const { deviceId } = outcome;
  switch (action) {
    case "count":
      return { deviceId, result: "counted" };
    case "reset":
      await trimHistory(deps, record, deps.historyLimit);
      return { deviceId, result: "reset" };
    case "claim": {
      await trimHistory(deps, record, deps.historyLimit);
      const started = await startEscalation(deps, record);
      return { deviceId, result: "escalated", cycle: record.cycle, executionName: started };
    }
    case "hold":
      await trimHistory(deps, record, deps.historyLimit);
      return held(record);
  }
}

const held = (record: DeviceRecord): OutcomeResult => ({
  deviceId: record.deviceId,
  result: "held",
  phase: record.phase,
  ...(record.escalation ? { executionName: record.escalation.executionName } : {}),
});
