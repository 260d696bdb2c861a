// The registry is written by several actors (the escalation's steps, an operator's release), and an attribute
// write cannot be made conditional on the table. So each of them first takes the device's lock in its record,
// guarded by what it expects (its epoch, the phases it acts in), writes the registry, then moves the record on
// and drops the lock in one conditional write. A stale step finds the epoch moved on and does nothing; a step
// finding another holder waits (it is retried). A lock outlives a crash by at most its lease.
import { ConflictError, NotFoundError, TransientError } from "@fleet/shared-aws";
import { N, S, SS } from "./item-update";
import { type DeviceRecord, type Phase, type RecordStore, RecordUpdate, write } from "./records";

/**
 * Longer than any holder runs: every holder is a 60 s Lambda (a step's task times out at 90 s), so a crashed
 * holder's lock frees within minutes, well inside a step's retry budget (about 10 min) and an operator's patience.
 */
export const LOCK_LEASE_MS = 3 * 60 * 1000;

export interface LockRequest {
  deviceId: string;
  owner: string;
  /** The epoch the actor belongs to; any epoch when absent. */
  epoch?: number;
  /** The phases it acts in; any when absent. */
  phases?: readonly Phase[];
  /**
   * Attributes the holder is about to move out of their registry values, recorded with the lock (before the
   * registry write) so that a holder crashing after that write leaves them known to a restore or a release.
   */
  moving?: readonly string[];
  now?: number;
}

export type LockResult =
  | { held: true; record: DeviceRecord }
  /** The record moved on (another epoch or phase): the actor has nothing to do. */
  | { held: false; record: DeviceRecord };

/**
 * Takes the lock. Throws NotFoundError when the device has no record, and when another actor holds it a
 * TransientError (a step: Step Functions retries it) or, with `busy: "conflict"`, a ConflictError (an operator).
 */
export async function lockDevice(
  tables: RecordStore,
  request: LockRequest,
  busy: "retry" | "conflict" = "retry",
): Promise<LockResult> {
  const now = request.now ?? Date.now();
  const update = new RecordUpdate(tables, request.deviceId)
    .bind("owner", S(request.owner))
    .bind("until", N(now + LOCK_LEASE_MS))
    .bind("now", N(now))
    .when("attribute_exists(#deviceId)")
    .when("attribute_not_exists(#lockOwner) OR #lockOwner = :owner OR #lockUntil < :now")
    .set("#lockOwner = :owner, #lockUntil = :until");
  if (request.moving?.length) update.bind("moving", SS([...request.moving])).add("#moved :moving");
  if (request.epoch !== undefined) update.bind("epoch", N(request.epoch)).when("#epoch = :epoch");
  if (request.phases) {
    for (const [i, phase] of request.phases.entries()) update.bind(`phase${i}`, S(phase));
    update.when(`#phase IN (${request.phases.map((_, i) => `:phase${i}`).join(", ")})`);
  }
  const written = await write(tables, update);
  if (written.ok) return { held: true, record: written.record };
  const { current } = written;
  if (!current) {
    throw new NotFoundError(`No failure of device ${request.deviceId} was ever recorded`, {
      details: { deviceId: request.deviceId },
    });
  }
  const guarded =
    (request.epoch === undefined || current.epoch === request.epoch) &&
    (!request.phases || request.phases.includes(current.phase));
  if (!guarded) return { held: false, record: current };
  const message = `Device ${request.deviceId} is being changed by ${current.lock?.owner}; try again shortly`;
  const details = { deviceId: request.deviceId, lockOwner: current.lock?.owner };
  throw busy === "conflict"
    ? new ConflictError(message, { details, retryable: true })
    : new TransientError(message, { details });
}

/** An update that also drops the lock, applied only while `owner` holds it. */
export const unlocking = (tables: RecordStore, deviceId: string, owner: string): RecordUpdate =>
  new RecordUpdate(tables, deviceId)
    .bind("owner", S(owner))
    .when("#lockOwner = :owner")
    .remove("#lockOwner, #lockUntil");

/** Applies the final update of a locked change; fails if the lock was lost (its lease expired meanwhile). */
export async function commitLocked(
  tables: RecordStore,
  update: RecordUpdate,
  owner: string,
): Promise<DeviceRecord> {
  const written = await write(tables, update);
  if (!written.ok) {
    throw new TransientError(`Lost the lock on ${written.current?.deviceId} held as ${owner}; retrying`);
  }
  return written.record;
}

/** Drops the lock after a failed change (best effort: the lease frees it anyway). */
export async function unlockDevice(tables: RecordStore, deviceId: string, owner: string): Promise<void> {
  await write(tables, unlocking(tables, deviceId, owner)).catch(() => undefined);
}
