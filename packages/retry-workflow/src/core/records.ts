// A device's record in DeviceFirmwareRetries and its backup in DeviceAttributeBackup, as the code reads them,
// and the one way to write a record: a conditional update that answers with the record after it, or with the
// record that made the condition fail (so the caller decides without reading again).
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { errorName } from "@fleet/shared-aws";
import { type Item, ItemUpdate, L, M, N, S } from "./item-update";

/**
 * Where a device stands. `counting`: its failures count towards the limit (cycle 0, or 1 after a cool-down).
 * `coolingDown`: cycle 1 claimed, its attributes moved out until the wait ends. `quarantining`: cycle 2 claimed,
 * marked failed, waiting to join the quarantine group. `quarantined`: in the group, a human told.
 */
export type Phase = "counting" | "coolingDown" | "quarantining" | "quarantined";

export interface HistoryEntry {
  /** Epoch ms. */
  at: number;
  event: string;
  detail?: string;
  /** The message that caused it (deduplication key), if one did. */
  key?: string;
}

export interface DeviceRecord {
  deviceId: string;
  phase: Phase;
  cycle: number;
  /** Grows with every transition: a step or a claim names the epoch it belongs to, so a stale one does nothing. */
  epoch: number;
  retryCounter: number;
  totalFailures: number;
  /** Failures that arrived while the workflow held the device (cooling down, quarantining, quarantined). */
  heldFailures: number;
  /** The latest failure: when (epoch ms) and what it said. */
  lastFailure?: { at: number; detail: string };
  /** When the current cycle's first failure happened. */
  cycleStartedAt?: number;
  /** The epoch whose first failure backed up the attributes; counting waits until it is the current one. */
  backedUpEpoch?: number;
  /** The escalation of the current epoch: its execution's name and the key of the message that claimed it. */
  escalation?: { epoch: number; executionName: string; messageKey?: string };
  /** Attribute names moved out of their registry values (restored by a restore or a release). */
  moved: string[];
  notifiedEpoch?: number;
  /** The epoch in which a success arrived while the workflow held the device. */
  succeededEpoch?: number;
  /** Until when (epoch ms) a notify step holds the lease to publish this quarantine's notification. */
  notifyingUntil?: number;
  lock?: { owner: string; until: number };
  /** Keys of the messages counted in the current phase: a redelivered one is not counted again. */
  seen: string[];
  /** Transitions, successes and failed steps: what happened to the device, not each failure (see counters). */
  history: HistoryEntry[];
}

export interface Backup {
  deviceId: string;
  epoch: number;
  attributes: Record<string, string>;
  takenAt: number;
}

/** Where the records are: enough for every write of a record. */
export interface RecordStore {
  dynamodb: DynamoDBClient;
  retriesTable: string;
}

export interface Tables extends RecordStore {
  backupTable: string;
}

const str = (value: AttributeValue | undefined) => value?.S;
const num = (value: AttributeValue | undefined) => (value?.N === undefined ? undefined : Number(value.N));

export function parseRecord(item: Item | undefined): DeviceRecord | undefined {
  if (!item?.deviceId?.S) return undefined;
  const escalation = item.escalation?.M;
  const lockOwner = str(item.lockOwner);
  return {
    deviceId: item.deviceId.S,
    phase: (str(item.phase) ?? "counting") as Phase,
    cycle: num(item.cycle) ?? 0,
    epoch: num(item.epoch) ?? 1,
    retryCounter: num(item.retryCounter) ?? 0,
    totalFailures: num(item.totalFailures) ?? 0,
    heldFailures: num(item.heldFailures) ?? 0,
    lastFailure:
      item.lastFailureAt === undefined
        ? undefined
        : { at: num(item.lastFailureAt) ?? 0, detail: str(item.lastFailureDetail) ?? "" },
    cycleStartedAt: num(item.cycleStartedAt),
    backedUpEpoch: num(item.backedUpEpoch),
    escalation: escalation
      ? {
          epoch: num(escalation.epoch) ?? 0,
          executionName: str(escalation.executionName) ?? "",
          ...(escalation.messageKey?.S ? { messageKey: escalation.messageKey.S } : {}),
        }
      : undefined,
    moved: item.moved?.SS ?? [],
    notifiedEpoch: num(item.notifiedEpoch),
    succeededEpoch: num(item.succeededEpoch),
    notifyingUntil: num(item.notifyingUntil),
    lock: lockOwner ? { owner: lockOwner, until: num(item.lockUntil) ?? 0 } : undefined,
    seen: item.seen?.SS ?? [],
    history: (item.history?.L ?? []).map((entry) => {
      const fields = entry.M ?? {};
      return {
        at: num(fields.at) ?? 0,
        event: str(fields.event) ?? "",
        ...(fields.detail?.S ? { detail: fields.detail.S } : {}),
        ...(fields.key?.S ? { key: fields.key.S } : {}),
      };
    }),
  };
}

const historyValue = (entries: readonly HistoryEntry[]): AttributeValue =>
  L(
    entries.map((entry) =>
      M({
        at: N(entry.at),
        event: S(entry.event),
        detail: entry.detail === undefined ? undefined : S(entry.detail),
        key: entry.key === undefined ? undefined : S(entry.key),
      }),
    ),
  );

export const recordKey = (deviceId: string): Item => ({ deviceId: S(deviceId) });

/** An update of a device's record; `appendHistory` adds entries at the end of its history. */
export class RecordUpdate extends ItemUpdate {
  constructor(tables: RecordStore, deviceId: string) {
    super(tables.retriesTable, recordKey(deviceId));
  }

  appendHistory(entries: readonly HistoryEntry[]): this {
    return this.bind("noHistory", L([]))
      .bind("newEvents", historyValue(entries))
      .set("#history = list_append(if_not_exists(#history, :noHistory), :newEvents)");
  }

  /** Only if the message `key` was not recorded before; records it as seen. */
  once(key: string): this {
    return this.bind("messageKey", S(key))
      .bind("messageKeys", { SS: [key] })
      .when("NOT contains(#seen, :messageKey)")
      .add("#seen :messageKeys");
  }
}

export type WriteResult = { ok: true; record: DeviceRecord } | { ok: false; current?: DeviceRecord };
/** A write answered without the record (ReturnValues NONE); a failed condition still answers with it. */
export type QuietWriteResult = { ok: true } | { ok: false; current?: DeviceRecord };

/** Applies the update; a failed condition answers with the record as it was (undefined: there is none). */
export async function write(tables: RecordStore, update: ItemUpdate): Promise<WriteResult> {
  const written = await send(tables, update, "ALL_NEW");
  return written.ok ? { ok: true, record: parseRecord(written.item) as DeviceRecord } : written;
}

/** Like write, without the record after the update. */
export async function writeQuietly(tables: RecordStore, update: ItemUpdate): Promise<QuietWriteResult> {
  const written = await send(tables, update, "NONE");
  return written.ok ? { ok: true } : written;
}

async function send(
  tables: RecordStore,
  update: ItemUpdate,
  returnValues: "ALL_NEW" | "NONE",
): Promise<{ ok: true; item?: Item } | { ok: false; current?: DeviceRecord }> {
  try {
    const { Attributes } = await tables.dynamodb.send(new UpdateItemCommand(update.build(returnValues)));
    return { ok: true, item: Attributes };
  } catch (error) {
    if (errorName(error) !== "ConditionalCheckFailedException") throw error;
    return { ok: false, current: parseRecord((error as { Item?: Item }).Item) };
  }
}

/** Keeps the newest `limit` history entries: trims the oldest, and forgets their message keys. */
export async function trimHistory(tables: RecordStore, record: DeviceRecord, limit: number): Promise<void> {
  const excess = record.history.length - limit;
  if (excess <= 0) return;
  const dropped = record.history.slice(0, excess);
  const keys = dropped.flatMap((entry) => (entry.key ? [entry.key] : []));
  const update = new RecordUpdate(tables, record.deviceId)
    .bind("length", N(record.history.length))
    // Another write appended meanwhile: it trims with what it saw, so this one can give way.
    .when("size(#history) = :length");
  for (let i = 0; i < excess; i++) update.remove(`#history[${i}]`);
  if (keys.length > 0) update.bind("droppedKeys", { SS: keys }).delete("#seen :droppedKeys");
  await write(tables, update);
}

export async function readRecord(tables: RecordStore, deviceId: string): Promise<DeviceRecord | undefined> {
  const { Item } = await tables.dynamodb.send(
    new GetItemCommand({ TableName: tables.retriesTable, Key: recordKey(deviceId), ConsistentRead: true }),
  );
  return parseRecord(Item);
}

export async function readBackup(tables: Tables, deviceId: string): Promise<Backup | undefined> {
  const { Item } = await tables.dynamodb.send(
    new GetItemCommand({ TableName: tables.backupTable, Key: recordKey(deviceId), ConsistentRead: true }),
  );
  if (!Item?.deviceId?.S) return undefined;
  return {
    deviceId: Item.deviceId.S,
    epoch: num(Item.epoch) ?? 0,
    attributes: Object.fromEntries(
      Object.entries(Item.attributes?.M ?? {}).map(([name, value]) => [name, value.S ?? ""]),
    ),
    takenAt: num(Item.takenAt) ?? 0,
  };
}
