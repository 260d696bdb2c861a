// The failure path of the escalation state machine: a step failed for good. The device's history says so (an
// operator sees it next to its failures), the escalation's lock is dropped, and the error is returned for the
// state machine to fail with, which the stack's alarm on failed executions reports.

import { unlockDevice } from "./device-lock";
import type { EscalationInput } from "./escalation";
import { escalationOwner } from "./escalation-steps";
import { type RecordStore, RecordUpdate, trimHistory, write } from "./records";

export interface EscalationError {
  Error?: string;
  Cause?: string;
}

export async function escalationFailed(
  deps: RecordStore & { historyLimit: number },
  input: EscalationInput & { error: EscalationError },
): Promise<{ deviceId: string; error: string; cause: string }> {
  const error = input.error.Error ?? "UnknownError";
  // A Lambda error's cause is its JSON (errorMessage, errorType, trace): its message says it best.
  let cause = input.error.Cause ?? "";
  try {
    cause = (JSON.parse(cause) as { errorMessage?: string }).errorMessage ?? cause;
  } catch {
    // A plain-text cause stays as it is.
  }
  await unlockDevice(deps, input.deviceId, escalationOwner(input));
  const written = await write(
    deps,
    new RecordUpdate(deps, input.deviceId).when("attribute_exists(#deviceId)").appendHistory([
      {
        at: Date.now(),
        event: "escalation-failed",
        detail: `cycle ${input.cycle}, epoch ${input.epoch}: ${error}: ${cause}`.slice(0, 1000),
      },
    ]),
  );
  if (written.ok) await trimHistory(deps, written.record, deps.historyLimit);
  return { deviceId: input.deviceId, error, cause };
}
