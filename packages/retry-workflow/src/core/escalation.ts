// Starting the escalation of a claimed cycle: one Standard execution per device and epoch, under a name derived
// from both. Step Functions admits one execution per name (StartExecution with the same name and input answers
// the running one), so a claim retried after a crash, or re-checked by the next message, never starts a second.
// A name taken by another escalation (epochs restart when a record is deleted or the table restored from a
// backup; Step Functions keeps closed names for 90 days) is told apart by the taken execution's input: then the
// claim gets a fresh name, derived from the taken execution and stored in the record before it is started, so a
// retry uses the same one.
import { createHash } from "node:crypto";
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { errorName, TransientError } from "@fleet/shared-aws";
import { N, S } from "./item-update";
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

const executionArn = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`;

/** Starts the execution; answers the taken execution's ARN and start when the name belongs to another escalation. */
async function start(
  deps: EscalationDeps,
  name: string,
  input: EscalationInput,
): Promise<{ taken: string } | undefined> {
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name,
        input: JSON.stringify(input),
      }),
    );
    return undefined;
  } catch (error) {
    if (errorName(error) !== "ExecutionAlreadyExists") throw error;
  }
  const taken = await deps.sfn.send(
    new DescribeExecutionCommand({ executionArn: executionArn(deps.stateMachineArn, name) }),
  );
  const started = JSON.parse(taken.input ?? "{}") as Partial<EscalationInput>;
  // This very escalation (its waits may differ: the stack's config changed since): nothing to start.
  if (started.deviceId === input.deviceId && started.epoch === input.epoch && started.cycle === input.cycle) {
    return undefined;
  }
  return { taken: `${taken.executionArn}@${taken.startDate?.toISOString()}` };
}

/** A name for the claim that is not `name`: derived from the execution holding it, so retries derive the same. */
export function freshName(name: string, taken: string): string {
  const hash = createHash("sha256").update(taken).digest("hex").slice(0, 8);
  return `${name.slice(0, EXECUTION_NAME_MAX - hash.length - 1)}-${hash}`;
}

/** Starts the escalation the record claimed (once: a name starts one execution); returns its execution name. */
export async function startEscalation(deps: EscalationDeps, record: DeviceRecord): Promise<string> {
  const { escalation } = record;
  if (!escalation) throw new Error(`${record.deviceId} has no claimed escalation`);
  const input: EscalationInput = {
    deviceId: record.deviceId,
    epoch: escalation.epoch,
    cycle: record.cycle,
    waitSeconds: record.cycle === 1 ? deps.waits.coolDownSeconds : deps.waits.quarantineWaitSeconds,
  };
  let name = escalation.executionName;
  const conflict = await start(deps, name, input);
  if (conflict) {
    const renamed = freshName(name, conflict.taken);
    const stored = await write(
      deps,
      new RecordUpdate(deps, record.deviceId)
        .bind("claimed", N(escalation.epoch))
        .bind("name", S(name))
        .bind("renamed", S(renamed))
        .when("#escalation.#epoch = :claimed AND #escalation.#executionName = :name")
        .set("#escalation.#executionName = :renamed"),
    );
    // Renamed by another message first (to the same name, derived alike), or moved on: start what it says.
    name = stored.ok ? renamed : (stored.current?.escalation?.executionName ?? renamed);
    if (await start(deps, name, input)) {
      throw new TransientError(`${record.deviceId}: execution name ${name} is taken by another escalation`);
    }
  }
  return name;
}
