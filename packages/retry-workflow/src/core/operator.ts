// What an operator does with the devices the workflow took out: list the quarantined (a page at a time, from
// the quarantine group), release one (out of the group, moved attributes restored, counters and cycle reset in
// a new epoch so that any step of its old escalation does nothing; history kept), read one device's history.
import {
  type IoTClient,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
} from "@aws-sdk/client-iot";
import { NotFoundError, unlessNotFound } from "@fleet/shared-aws";
import { commitLocked, lockDevice, unlockDevice, unlocking } from "./device-lock";
import { type MovedValues, restoredValues } from "./escalation-steps";
import { N, S } from "./item-update";
import {
  type Backup,
  type DeviceRecord,
  type RecordStore,
  readBackup,
  readRecord,
  type Tables,
  trimHistory,
} from "./records";
import { registryAttributes, setAttributes } from "./registry";

export interface OperatorDeps extends Tables, MovedValues {
  iot: IoTClient;
  group: string;
  historyLimit: number;
}

export interface QuarantinedDevice {
  deviceId: string;
  phase: string;
  cycle: number;
  totalFailures: number;
  /** When it joined the group, from its history (absent when no record or history says). */
  quarantinedAt?: string;
}

export async function listQuarantined(
  deps: RecordStore & { iot: IoTClient; group: string },
  page: { limit: number; nextToken?: string },
): Promise<{ devices: QuarantinedDevice[]; nextToken: string | null }> {
  const listed = await unlessNotFound(() =>
    deps.iot.send(
      new ListThingsInThingGroupCommand({
        thingGroupName: deps.group,
        maxResults: page.limit,
        nextToken: page.nextToken,
      }),
    ),
  );
  // AWS may answer a page with more than asked for nowhere, but the emulator ignores maxResults.
  const names = (listed?.things ?? []).slice(0, page.limit);
  const devices = await Promise.all(
    names.map(async (deviceId) => {
      const record = await readRecord(deps, deviceId);
      const joined = record?.history.findLast((entry) => entry.event === "quarantined");
      return {
        deviceId,
        phase: record?.phase ?? "unknown (no record)",
        cycle: record?.cycle ?? 0,
        totalFailures: record?.totalFailures ?? 0,
        ...(joined ? { quarantinedAt: new Date(joined.at).toISOString() } : {}),
      };
    }),
  );
  return { devices, nextToken: listed?.nextToken ?? null };
}

export interface Released {
  deviceId: string;
  /** The phase it was released from. */
  from: string;
  restored: Record<string, string>;
  removedFromGroup: boolean;
}

export async function release(
  deps: OperatorDeps,
  request: { deviceId: string; reason?: string; requestId: string },
): Promise<Released> {
  const owner = `release:${request.requestId}`;
  const lock = await lockDevice(deps, { deviceId: request.deviceId, owner }, "conflict");
  // Without an epoch or phase to expect, the lock is held whenever lockDevice returns.
  const record = lock.record;
  try {
    // What the registry shows at a moved-out value is restored too: a step that crashed after its registry
    // write may not have recorded it (the lock records it first now; records of older code may lack it).
    // A device gone from the registry has nothing to restore (it is never re-created).
    const registry = await registryAttributes(deps.iot, request.deviceId);
    const restored = registry ? await restoredValues(deps, record, registry) : {};
    if (Object.keys(restored).length > 0) await setAttributes(deps.iot, request.deviceId, restored);
    const removed = await unlessNotFound(() =>
      deps.iot.send(
        new RemoveThingFromThingGroupCommand({ thingGroupName: deps.group, thingName: request.deviceId }),
      ),
    );
    const detail = `released from ${record.phase} (cycle ${record.cycle})${request.reason ? `: ${request.reason}` : ""}`;
    const committed = await commitLocked(
      deps,
      unlocking(deps, request.deviceId, owner)
        .bind("counting", S("counting"))
        .bind("one", N(1))
        .bind("zero", N(0))
        // Past whatever epoch the record reached meanwhile (a claim between the lock and this write).
        .set("#phase = :counting, #cycle = :zero, #retryCounter = :zero, #epoch = #epoch + :one")
        .remove(
          "#moved, #escalation, #notifiedEpoch, #notifyingUntil, #succeededEpoch, #seen, #cycleStartedAt",
        )
        .appendHistory([{ at: Date.now(), event: "released", detail }]),
      owner,
    );
    await trimHistory(deps, committed, deps.historyLimit);
    return {
      deviceId: request.deviceId,
      from: record.phase,
      restored,
      removedFromGroup: removed !== undefined,
    };
  } catch (error) {
    await unlockDevice(deps, request.deviceId, owner);
    throw error;
  }
}

export interface DeviceHistory extends Omit<DeviceRecord, "seen" | "lock"> {
  backup: Omit<Backup, "deviceId"> | null;
}

export async function deviceHistory(deps: Tables, deviceId: string): Promise<DeviceHistory> {
  const record = await readRecord(deps, deviceId);
  if (!record)
    throw new NotFoundError(`No failure of device ${deviceId} was ever recorded`, { details: { deviceId } });
  const { seen: _seen, lock: _lock, ...shown } = record;
  const backup = await readBackup(deps, deviceId);
  return {
    ...shown,
    backup: backup ? { epoch: backup.epoch, attributes: backup.attributes, takenAt: backup.takenAt } : null,
  };
}
