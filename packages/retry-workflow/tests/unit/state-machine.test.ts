// The escalation definition: valid ASL wired to this package's handlers, every task retried on what may pass and
// caught into the failure path, the waits taken from the input; run locally with fake steps (each parsing its
// payload with the real handler's schema) to prove each path: cycle 1, cycle 2, superseded, failed.
import { parseOrThrow, TransientError } from "@fleet/shared-aws";
import { aslProblems } from "@fleet/testing/asl";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { describe, expect, it } from "@jest/globals";
import type { HandlerName } from "../../src/config";
import definition from "../../src/escalation.asl.json" with { type: "json" };
import { manifest } from "../../src/index";
import * as schemas from "../../src/schemas";

type StateDefinition = {
  Type: string;
  Parameters?: { FunctionName?: string };
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  SecondsPath?: string;
};
const states = definition.States as Record<string, StateDefinition>;
const tasks = Object.entries(states).filter(([, state]) => state.Type === "Task");
const functionOf = (state: StateDefinition) =>
  /^\$\{(.+)\}$/.exec(state.Parameters?.FunctionName ?? "")?.[1] as HandlerName;

const cycleOne = { deviceId: "dev1", epoch: 2, cycle: 1, waitSeconds: 86_400 };
const cycleTwo = { deviceId: "dev1", epoch: 4, cycle: 2, waitSeconds: 900 };

/** Runs the definition with fake steps; `outcomes` answers per handler (default done), recording the order. */
async function run(
  input: unknown,
  outcomes: Partial<Record<HandlerName, () => unknown>> = {},
  called: string[] = [],
) {
  const result = await runStateMachineLocally(definition, input, async (handler, payload) => {
    const name = handler as HandlerName;
    parseOrThrow(
      name === "escalation-failed" ? schemas.escalationFailedEvent : schemas.escalationInput,
      payload,
    );
    called.push(name);
    const answer = outcomes[name];
    if (answer) return answer();
    return name === "escalation-failed"
      ? { deviceId: "dev1", error: "X", cause: "y" }
      : { outcome: "done", deviceId: "dev1", detail: "" };
  });
  return { called, result };
}

describe("escalation state machine", () => {
  it("is valid Amazon States Language calling only this package's handlers", () => {
    expect(aslProblems(definition)).toEqual([]);
    for (const [, state] of tasks) expect(Object.keys(manifest.handlers)).toContain(functionOf(state));
  });

  it("retries every task on what may pass and catches the rest into the failure path", () => {
    for (const [name, state] of tasks) {
      expect({ name, retried: state.Retry?.[0]?.ErrorEquals }).toEqual({
        name,
        // A timed-out or crashed Lambda (Lambda.Unknown) and a task timeout too: every step is idempotent under
        // its escalation's lock, and a step stopped after its registry write must run again, not strand the device.
        retried: expect.arrayContaining([
          "TransientError",
          "Lambda.TooManyRequestsException",
          "Lambda.Unknown",
          "Lambda.ClientExecutionTimeoutException",
          "States.Timeout",
        ]),
      });
      const next = state.Catch?.[0]?.Next;
      expect({ name, caught: next }).toEqual({
        name,
        caught: name === "EscalationFailed" ? "Failed" : "EscalationFailed",
      });
    }
    expect(states.Failed?.Type).toBe("Fail");
  });

  it("waits as long as the input says (the stack's COOL_DOWN_SECONDS or QUARANTINE_WAIT_SECONDS)", () => {
    expect(states.CoolDown).toMatchObject({ Type: "Wait", SecondsPath: "$.waitSeconds" });
    expect(states.QuarantineWait).toMatchObject({ Type: "Wait", SecondsPath: "$.waitSeconds" });
  });

  it("cycle 1: moves out, cools down, restores", async () => {
    expect((await run(cycleOne)).called).toEqual(["move-attributes", "restore-attributes"]);
  });

  it("cycle 2: marks failed, waits, quarantines, notifies", async () => {
    expect((await run(cycleTwo)).called).toEqual(["move-attributes", "quarantine", "notify"]);
  });

  it("stops after a step that found the device released or moved on", async () => {
    const skipped = () => ({ outcome: "skipped", deviceId: "dev1", reason: "released" });
    expect((await run(cycleOne, { "move-attributes": skipped })).called).toEqual(["move-attributes"]);
    expect((await run(cycleTwo, { quarantine: skipped })).called).toEqual(["move-attributes", "quarantine"]);
  });

  it("retries a transient failure, and ends a fatal one in the failure path, failing the execution", async () => {
    let attempts = 0;
    const flaky = () => {
      attempts++;
      if (attempts < 3) throw new TransientError("throttled");
      return { outcome: "done", deviceId: "dev1", detail: "" };
    };
    expect((await run(cycleOne, { "restore-attributes": flaky })).called).toEqual([
      "move-attributes",
      "restore-attributes",
      "restore-attributes",
      "restore-attributes",
    ]);
    expect(attempts).toBe(3);
    const fatal = () => {
      throw Object.assign(new Error("Device dev1 no longer exists in the registry"), {
        name: "NotFoundError",
      });
    };
    const called: string[] = [];
    const failed = await run(cycleTwo, { "move-attributes": fatal }, called).catch((error: Error) => error);
    expect(failed).toMatchObject({
      name: "ExecutionError",
      message: expect.stringContaining("A step failed for good"),
    });
    expect(called).toEqual(["move-attributes", "escalation-failed"]);
  });
});
