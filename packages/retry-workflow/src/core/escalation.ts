// Starting the escalation of a claimed cycle: one Standard execution per device and epoch, under a name derived
// from both. Step Functions admits one execution per name (StartExecution with the same name and input answers
// the running one), so a claim retried after a crash, or re-checked by the next message, never starts a second.
import { createHash } from "node:crypto";
import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { errorName } from "@fleet/shared-aws";
import { BOOL, N } from "./item-update";
import { type DeviceRecord, RecordUpdate, type Tables, write } from "./records";

/** What every escalation step receives: the device and the epoch its claim created. */
export interface EscalationInput {
  deviceId: string;
  epoch: number;
  /** 1: move out, cool down, restore. 2: mark failed, wait, quarantine, notify. */
  cycle: number;
  waitSeconds: number;
}

const EXECUTION_NAME_MAX = 80;
const PLAIN = /^[a-zA-Z0-9_-]+$/;

/**
 * `<device>-e<epoch>`, unique for the device's life (epochs only grow). A thing name may hold a colon or be longer
 * than an execution name may: then a readable head, a hash of the whole name, the epoch.
 */
export function executionName(deviceId: string, epoch: number): string {
  const suffix = `-e${epoch}`;
  if (PLAIN.test(deviceId) && deviceId.length + suffix.length <= EXECUTION_NAME_MAX) return deviceId + suffix;
  const hash = createHash("sha256").update(deviceId).digest("hex").slice(0, 16);
  const head = deviceId.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, EXECUTION_NAME_MAX - suffix.length - 17);
  return `${head}-${hash}${suffix}`;
}

export interface EscalationDeps extends Tables {
  sfn: SFNClient;
  stateMachineArn: string;
  waits: { coolDownSeconds: number; quarantineWaitSeconds: number };
}

/** Starts the escalation the record claimed, unless it was started; returns its execution name. */
export async function startEscalation(deps: EscalationDeps, record: DeviceRecord): Promise<string> {
  const { escalation } = record;
  if (!escalation) throw new Error(`${record.deviceId} has no claimed escalation`);
  const input: EscalationInput = {
    deviceId: record.deviceId,
    epoch: escalation.epoch,
    cycle: record.cycle,
    waitSeconds: record.cycle === 1 ? deps.waits.coolDownSeconds : deps.waits.quarantineWaitSeconds,
  };
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: escalation.executionName,
        input: JSON.stringify(input),
      }),
    );
  } catch (error) {
    // The name is taken by this very escalation, started with other waits (the stack's config changed since).
    if (errorName(error) !== "ExecutionAlreadyExists") throw error;
  }
  await write(
    deps,
    new RecordUpdate(deps, record.deviceId)
      .bind("started", BOOL(true))
      .bind("claimed", N(escalation.epoch))
      .set("#escalation.#started = :started")
      .when("#escalation.#epoch = :claimed"),
  );
  return escalation.executionName;
}
