// The deploy and release state machines: valid ASL wired to this package's handlers, run locally with fake steps
// that parse each payload with the real handler's event schema, to prove the rounds, the waits' loop, the stop at
// the first failed round, the clean-up after an error (only of what the deployment owns, the original error kept),
// the group fill loop and the removal of the deployment's target group on every way out.
import { parseOrThrow } from "@fleet/shared-aws";
import { aslProblems } from "@fleet/testing/asl";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { describe, expect, it } from "@jest/globals";
import type * as z from "zod/mini";
import type { HandlerName } from "../../src/config";
import deploy from "../../src/deploy.asl.json" with { type: "json" };
import { manifest } from "../../src/index";
import release from "../../src/release.asl.json" with { type: "json" };
import * as schemas from "../../src/schemas";

const SCHEMAS: Partial<Record<HandlerName, z.ZodMiniType>> = {
  release: schemas.releaseEvent,
  "fill-target-group": schemas.fillTargetGroupEvent,
  "deploy-round": schemas.deployRoundEvent,
  "round-status": schemas.roundStatusEvent,
  "clean-up": schemas.cleanUpEvent,
};

const OWNER = "0b5d3a4e-8c1f-4f7a-9e2b-3c4d5e6f7a8b";
const GROUP = `fw-${OWNER}`;
const LIST = `deployments/fw/${OWNER}/targets.txt`;
const plan = (rounds: number, kind: "things" | "list" = "things", cleanUp = true) => ({
  config: {
    jobId: "fw",
    rounds,
    cleanUp,
    roundDeadlineMinutes: 60,
    pollSeconds: 10,
    maxPollSeconds: 300,
    delayBetweenRoundsSeconds: 5,
  },
  release: { version: "1.0.0" },
  streamId: "fw-stream",
  fileId: 1,
  roleArn: "arn:aws:iam::123456789012:role/ota",
  document: "{}",
  targets:
    kind === "things"
      ? { kind, arns: ["arn:aws:iot:us-east-1:123456789012:thing/a"] }
      : { kind, listKey: LIST, groupName: GROUP },
  owner: OWNER,
  owned: kind === "list" ? { targetGroup: GROUP, targetList: LIST } : { targetGroup: null, targetList: null },
});

type Steps = Partial<Record<HandlerName, (payload: Record<string, unknown>, call: number) => unknown>>;

async function run(definition: object, input: unknown, steps: Steps) {
  const calls: [HandlerName, Record<string, unknown>][] = [];
  const invoke = async (handler: string, payload: unknown) => {
    const name = handler as HandlerName;
    const schema = SCHEMAS[name];
    // The fakes' cursors are opaque tokens, not the real steps' cursor shapes.
    const checked = "cursor" in (payload as object) ? { ...(payload as object), cursor: null } : payload;
    if (schema) parseOrThrow(schema, checked, `${name} payload`);
    calls.push([name, payload as Record<string, unknown>]);
    const step = steps[name];
    if (!step) throw new Error(`no fake for ${name}`);
    return step(payload as Record<string, unknown>, calls.filter(([n]) => n === name).length);
  };
  try {
    return { output: await runStateMachineLocally(definition, input, invoke), calls, error: undefined };
  } catch (error) {
    // The local runner wraps the execution's error: its cause has the Fail state's or the task's name and message.
    const cause = (error as { cause?: { name: string; message: string } }).cause;
    return { output: undefined, calls, error: { name: cause?.name, cause: cause?.message } };
  }
}

const finished = (succeeded: boolean, cause = "") => ({
  finished: true,
  succeeded,
  jobStatus: "COMPLETED",
  deadlineReached: false,
  counts: {},
  failures: [],
  failuresOmitted: 0,
  cause,
});
const deployRound = (payload: Record<string, unknown>) => ({
  jobId: `fw-r${payload.round}`,
  deadlineAt: 1,
  round: payload.round,
});
const cleanUp = () => ({ job: "deleted", stream: "deleted" });
const conflict = () => {
  throw Object.assign(new Error("stream fw-stream exists and belongs to another deployment"), {
    name: "ConflictError",
  });
};
const fillDone = () => ({
  done: true,
  cursor: null,
  counts: { added: 300, invalid: 0, failed: 0, missing: 0 },
});

describe("the deploy state machine", () => {
  it("is valid ASL whose every task calls a handler of the manifest", () => {
    for (const definition of [deploy, release]) {
      expect(aslProblems(definition, { checkArn: false })).toEqual([]);
      for (const state of Object.values(definition.States) as {
        Type: string;
        Parameters?: { FunctionName?: string };
      }[]) {
        if (state.Type !== "Task") continue;
        const handler = /^\$\{(.+)\}$/.exec(state.Parameters?.FunctionName ?? "")?.[1] as string;
        expect(Object.keys(manifest.handlers)).toContain(handler);
      }
    }
  });

  it("runs every round: deploy, poll until finished, clean up, next round", async () => {
    const { output, calls } = await run(
      deploy,
      {},
      {
        "plan-deployment": () => plan(2),
        "deploy-round": deployRound,
        "round-status": (p, call) =>
          call % 2 === 1
            ? { finished: false, polls: (p.polls as number) + 1, waitSeconds: 20, counts: {} }
            : finished(true),
        "clean-up": cleanUp,
      },
    );
    expect(calls.map(([n, p]) => `${n}${p.round ?? ""}${p.jobId ? `:${p.jobId}` : ""}`)).toEqual([
      "plan-deployment",
      "deploy-round1",
      "round-status1:fw-r1",
      "round-status1:fw-r1",
      "clean-up:fw-r1",
      "deploy-round2",
      "round-status2:fw-r2",
      "round-status2:fw-r2",
      "clean-up:fw-r2",
    ]);
    // The second look at a round carries the poll count the first returned (its backoff).
    expect(calls.filter(([n]) => n === "round-status").map(([, p]) => p.polls)).toEqual([0, 1, 0, 1]);
    expect(output).toMatchObject({ jobId: "fw", release: "1.0.0", rounds: 2 });
  });

  it("stops at the first failed round, after its clean-up, with the cause naming the devices", async () => {
    const cause = 'round 2 (job fw-r2) failed: not every device succeeded: dev7 FAILED {"reason":"flash"}';
    const { error, calls } = await run(
      deploy,
      {},
      {
        "plan-deployment": () => plan(5),
        "deploy-round": deployRound,
        "round-status": (p) => (p.round === 2 ? finished(false, cause) : finished(true)),
        "clean-up": cleanUp,
      },
    );
    expect(error?.name).toBe("RoundFailed");
    expect(error?.cause).toBe(cause);
    expect(calls.map(([n]) => n)).toEqual([
      "plan-deployment",
      "deploy-round",
      "round-status",
      "clean-up",
      "deploy-round",
      "round-status",
      "clean-up",
    ]);
  });

  it("after a step fails, asks clean-up to remove only what carries the deployment's owner id, then fails with that error", async () => {
    const { error, calls } = await run(
      deploy,
      {},
      { "plan-deployment": () => plan(1), "deploy-round": conflict, "clean-up": cleanUp },
    );
    expect(error?.name).toBe("ConflictError");
    expect(calls.at(-1)).toEqual([
      "clean-up",
      { owner: OWNER, jobId: "fw-r1", streamId: "fw-stream", targetGroup: null, targetList: null },
    ]);
  });

  it("fails with the original error when its clean-up fails too", async () => {
    const { error } = await run(
      deploy,
      {},
      {
        "plan-deployment": () => plan(1),
        "deploy-round": conflict,
        "clean-up": () => {
          throw Object.assign(new Error("denied"), { name: "AccessDeniedException" });
        },
      },
    );
    expect(error).toEqual({
      name: "ConflictError",
      cause: "stream fw-stream exists and belongs to another deployment",
    });
  });

  it.each([
    ["succeeds", finished(true), undefined],
    ["fails a round", finished(false, "round 1 failed"), "RoundFailed"],
  ])("removes the deployment's target group and list once its last round %s", async (_, status, failure) => {
    const { error, calls } = await run(
      deploy,
      {},
      {
        "plan-deployment": () => plan(1, "list"),
        "fill-target-group": fillDone,
        "deploy-round": deployRound,
        "round-status": () => status,
        "clean-up": cleanUp,
      },
    );
    expect(error?.name).toBe(failure);
    expect(calls.filter(([n]) => n === "clean-up").map(([, p]) => p)).toEqual([
      { owner: OWNER, jobId: "fw-r1", streamId: "fw-stream" },
      { owner: OWNER, targetGroup: GROUP, targetList: LIST },
    ]);
  });

  it("keeps the job, stream and target group while the job that uses it stays (cleanUp false), deleting only the finished round's alarms", async () => {
    const { output, calls } = await run(
      deploy,
      {},
      {
        "plan-deployment": () => plan(1, "list", false),
        "fill-target-group": fillDone,
        "deploy-round": deployRound,
        "round-status": () => finished(true),
        "clean-up": cleanUp,
      },
    );
    expect(calls.filter(([n]) => n === "clean-up").map(([, payload]) => payload)).toEqual([
      { owner: OWNER, alarmsOf: "fw-r1" },
    ]);
    expect(output).toMatchObject({ owner: OWNER, cleanedUp: false });
  });

  it("removes the group filled so far when the target list names things that do not exist", async () => {
    const { error, calls } = await run(
      deploy,
      {},
      {
        "plan-deployment": () => plan(1, "list"),
        "fill-target-group": () => ({
          done: true,
          cursor: null,
          counts: { added: 3, invalid: 0, failed: 0, missing: 1 },
        }),
        "clean-up": cleanUp,
      },
    );
    expect(error?.name).toBe("TargetsIncomplete");
    expect(calls.map(([n]) => n)).not.toContain("deploy-round");
    expect(calls.at(-1)?.[1]).toMatchObject({ owner: OWNER, targetGroup: GROUP, targetList: LIST });
  });

  it("gives every task the same retry rule, for handler errors marked transient and Lambda's own", () => {
    for (const definition of [deploy, release]) {
      const tasks = Object.values(
        definition.States as Record<string, { Type: string; Retry?: unknown }>,
      ).filter((state) => state.Type === "Task");
      for (const task of tasks) expect(task.Retry).toEqual(deploy.States.Plan.Retry);
    }
  });

  it("fills the target group of a list, looping on the fill's cursor, before the first round", async () => {
    const { calls } = await run(
      deploy,
      {},
      {
        "plan-deployment": () => plan(1, "list"),
        "fill-target-group": (_p, call) =>
          call < 3
            ? {
                done: false,
                cursor: { from: call },
                counts: { added: 10, invalid: 0, failed: 0, missing: 0 },
              }
            : { done: true, cursor: null, counts: { added: 30, invalid: 0, failed: 0, missing: 0 } },
        "deploy-round": deployRound,
        "round-status": () => finished(true),
        "clean-up": cleanUp,
      },
    );
    expect(calls.map(([n]) => n).slice(0, 5)).toEqual([
      "plan-deployment",
      "fill-target-group",
      "fill-target-group",
      "fill-target-group",
      "deploy-round",
    ]);
  });
});

describe("the release state machine", () => {
  it("loops on the release handler's cursor until done, passing every request field, and answers its result", async () => {
    const request = {
      version: "1.0.0",
      key: "firmware/1.0.0/a.bin",
      versionId: "v1",
      expected: { md5: "0".repeat(32), sha256: "1".repeat(64) },
      sign: true,
    };
    const { output, calls } = await run(
      release,
      { request },
      {
        release: (p, call) =>
          call < 3
            ? { done: false, cursor: { step: call } }
            : { done: true, cursor: null, outcome: "created", cursorSeen: p.cursor },
      },
    );
    expect(calls).toHaveLength(3);
    expect(calls.map(([, p]) => p)).toEqual([
      { ...request, cursor: null },
      { ...request, cursor: { step: 1 } },
      { ...request, cursor: { step: 2 } },
    ]);
    expect(output).toMatchObject({ done: true, outcome: "created", cursorSeen: { step: 2 } });
  });
});
