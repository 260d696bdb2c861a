// Runs a state machine definition — the one infra deploys — in this process with
// aws-local-stepfunctions: each Lambda task calls the real handler in-process; waits and retry intervals
// are shortened (the emulator answers at once).
import { StateMachine } from "aws-local-stepfunctions";

/** Invokes a handler by name with a payload, as Lambda would. */
export type Invoke = (handler: string, payload: unknown) => Promise<unknown>;

type Json = Parameters<StateMachine["run"]>[0];
type States = Record<string, { Type: string; Parameters?: { FunctionName?: string } }>;

export interface LocalRunOptions {
  /** Replaces the handler a state calls (for an AWS feature the emulator lacks); gets the task's payload. */
  substitutes?: Record<string, (payload: unknown) => Promise<unknown>>;
  /** Called for each execution event (StateEntered, StateExited, …). */
  onEvent?: (event: { type: string; state?: string; at: number }) => void;
}

const PLACEHOLDER = /^\$\{([a-z0-9-]+)\}$/;

export async function runStateMachineLocally(
  definition: object,
  input: unknown,
  invoke: Invoke,
  options: LocalRunOptions = {},
): Promise<unknown> {
  const states = (definition as { States: States }).States;
  const taskResourceLocalHandlers: Record<string, (task: Json) => Promise<Json>> = {};
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === "Wait") waitTimeOverrides[name] = 0;
    if (state.Type === "Task") retryIntervalOverrides[name] = 0;
    const handler = PLACEHOLDER.exec(state.Parameters?.FunctionName ?? "")?.[1];
    if (state.Type !== "Task" || !handler) continue;
    const substitute = options.substitutes?.[handler];
    taskResourceLocalHandlers[name] = async (task) => {
      const payload = (task as { Payload?: unknown }).Payload ?? {};
      return { Payload: (substitute ? await substitute(payload) : await invoke(handler, payload)) as Json };
    };
  }
  const execution = new StateMachine(definition as never).run(input as Json, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
  });
  const events = (async () => {
    for await (const event of execution.eventLogs) {
      const e = event as { type: string; state?: { name: string }; timestamp: number };
      options.onEvent?.({ type: e.type, state: e.state?.name, at: e.timestamp });
    }
  })();
  const result = await execution.result;
  await events.catch(() => undefined);
  return result;
}
