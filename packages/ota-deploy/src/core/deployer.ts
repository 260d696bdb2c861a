// One run of the deployer, as the Scheduler schedule starts it: it first re-drives claims whose lease ended (a
// deployer that crashed after claiming, or a start that failed and waits for its retry), then claims the oldest
// pending deployments, up to `perRun` in all. A claim whose lease ended after `maxAttempts` tries is settled
// without using the budget (Deployed if its execution exists, else Failed), so a deployment that crashes its
// deployer every time holds the queue up for at most `maxAttempts` runs; a queue item that is not an entry is
// skipped and reported, never stopping the rest. A claim is the queue's move transaction, so however many runs
// overlap each deployment is claimed by exactly one; a re-drive takes an expired claim over with a conditional
// update, so exactly one run re-drives it. The execution's name is the deployment id: a start tried again (after a
// crash, or by a re-drive) answers the execution already started and never starts a second one.
import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { classifyError, errorMessage, errorName } from "@fleet/shared-aws";
import {
  entries,
  type MalformedItem,
  move,
  type QueueDeps,
  type QueueEntry,
  STATUS,
  updateClaim,
} from "./schedule-queue";

export interface DeployerDeps extends QueueDeps {
  sfn: SFNClient;
  /** The deploy state machine. */
  stateMachineArn: string;
  /** Deployments claimed or re-driven per run. */
  perRun: number;
  /** Starts tried per deployment before it is failed. */
  maxAttempts: number;
  /** How long a claim is its deployer's: longer than the deployer's own timeout, so a live one never loses it. */
  leaseMs: number;
  /** Days a settled (Deployed or Failed) entry is kept: its `expiresAt` is this long after it settles. */
  historyDays: number;
  now?: () => number;
}

/** A started execution; `startedAt` is absent when an earlier try started it and it could not be described. */
export interface Started {
  executionArn: string;
  startedAt?: string;
}

export interface DeployerResult {
  deployed: ({ deploymentId: string } & Started)[];
  /** Failed visibly: the entry is in the Failed partition with this reason. */
  failed: { deploymentId: string; reason: string }[];
  /** Their start failed for a reason that may pass: the next run tries again. */
  retrying: { deploymentId: string; attempts: number; reason: string }[];
  /** Queue items that are not entries (hand-edited, or corrupted): skipped, the rest of the queue went on. */
  malformed: MalformedItem[];
}

/** The deployer's sizing: a few queue writes and one StartExecution per deployment it starts. */
export const DEPLOYER = { timeoutSeconds: 60, memoryMb: 256 };
/** A claim's lease: five times the deployer's timeout, so a deployer still running never loses its claim. */
export const CLAIM_LEASE_MS = 5 * DEPLOYER.timeoutSeconds * 1000;

/** Step Functions errors worth another try besides throttling and 5xx: too many open executions right now. */
const RETRYABLE_START = new Set(["ExecutionLimitExceeded"]);
/** Entries read per query page. */
const PAGE = 25;

export async function runDeployer(deps: DeployerDeps): Promise<DeployerResult> {
  const now = deps.now ?? Date.now;
  const result: DeployerResult = { deployed: [], failed: [], retrying: [], malformed: [] };
  const onMalformed = (item: MalformedItem) => result.malformed.push(item);
  let budget = deps.perRun;
  // A claim never expires: only a settled entry is history (a hand-written pending item may carry expiresAt).
  const claim = ({ expiresAt: _expires, ...entry }: QueueEntry): QueueEntry => ({
    ...entry,
    status: STATUS.claimed,
    claimToken: randomUUID(),
    leaseUntil: now() + deps.leaseMs,
    attempts: entry.attempts + 1,
  });
  const expired = { pageSize: PAGE, leaseEndedBefore: now(), onMalformed };
  for await (const entry of entries(deps, STATUS.claimed, expired)) {
    if (budget === 0) break;
    if (entry.attempts >= deps.maxAttempts) {
      await settleExhausted(deps, entry, result);
      continue;
    }
    const taken = claim(entry);
    if (!(await updateClaim(deps, entry, taken, now()))) continue;
    budget -= 1;
    await drive(deps, taken, result);
  }
  for await (const entry of entries(deps, STATUS.pending, { pageSize: PAGE, onMalformed })) {
    if (budget === 0) break;
    const claimed = claim(entry);
    if (!(await move(deps, entry, claimed))) continue;
    budget -= 1;
    await drive(deps, claimed, result);
  }
  return result;
}

/** Starts the claimed deployment and records the outcome, unless the claim was taken over meanwhile. */
async function drive(deps: DeployerDeps, claimed: QueueEntry, result: DeployerResult): Promise<void> {
  const now = deps.now ?? Date.now;
  let started: Started;
  try {
    started = await startExecution(deps, claimed);
  } catch (error) {
    const reason = `${errorName(error)}: ${errorMessage(error)}`;
    const retryable = classifyError(error) !== "fatal" || RETRYABLE_START.has(errorName(error));
    if (retryable && claimed.attempts < deps.maxAttempts) {
      // The lease ends now: the next run re-drives it.
      const waiting = { ...claimed, leaseUntil: now(), lastError: reason };
      if (await updateClaim(deps, claimed, waiting)) {
        result.retrying.push({ deploymentId: claimed.deploymentId, attempts: claimed.attempts, reason });
      }
      return;
    }
    const why = retryable ? `gave up after ${claimed.attempts} attempts to start it: ${reason}` : reason;
    await settleFailed(deps, claimed, why, result);
    return;
  }
  await settleDeployed(deps, claimed, started, result);
}

/**
 * A claim whose lease ended after its last allowed try: its deployer died (timeout, crash) each time, maybe after
 * starting the execution. Recorded Deployed if the execution exists, else Failed with why.
 */
async function settleExhausted(deps: DeployerDeps, entry: QueueEntry, result: DeployerResult): Promise<void> {
  const started = await existingExecution(deps, entry);
  if (started) return settleDeployed(deps, entry, started, result);
  const last = entry.lastError ? ` (last start error: ${entry.lastError})` : "";
  const why = `claim expired ${entry.attempts} times: the deployer crashed or timed out while starting it${last}`;
  await settleFailed(deps, entry, why, result);
}

/** The entry as its final status keeps it: without the claim, and expiring `historyDays` after it settles. */
const settledPart = (deps: DeployerDeps, claimed: QueueEntry) => {
  const { claimToken: _token, leaseUntil: _lease, lastError: _error, ...settled } = claimed;
  const settledAt = Math.floor((deps.now ?? Date.now)() / 1000);
  return { ...settled, expiresAt: settledAt + deps.historyDays * 24 * 60 * 60 };
};

async function settleDeployed(
  deps: DeployerDeps,
  claimed: QueueEntry,
  started: Started,
  result: DeployerResult,
): Promise<void> {
  if (await move(deps, claimed, { ...settledPart(deps, claimed), status: STATUS.deployed, ...started })) {
    result.deployed.push({ deploymentId: claimed.deploymentId, ...started });
  }
}

async function settleFailed(
  deps: DeployerDeps,
  claimed: QueueEntry,
  reason: string,
  result: DeployerResult,
): Promise<void> {
  const now = deps.now ?? Date.now;
  const failed = {
    ...settledPart(deps, claimed),
    status: STATUS.failed,
    reason,
    failedAt: new Date(now()).toISOString(),
  };
  if (await move(deps, claimed, failed)) result.failed.push({ deploymentId: claimed.deploymentId, reason });
}

/** The execution named by the deployment's id. */
const executionArnOf = (deps: DeployerDeps, entry: QueueEntry) =>
  `${deps.stateMachineArn.replace(":stateMachine:", ":execution:")}:${entry.deploymentId}`;

/** The deployment's one execution: started now, or the one an earlier try started under the same name. */
async function startExecution(deps: DeployerDeps, entry: QueueEntry): Promise<Started> {
  try {
    const out = await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.stateMachineArn,
        name: entry.deploymentId,
        input: entry.config,
      }),
    );
    return {
      executionArn: out.executionArn as string,
      startedAt: (out.startDate ?? new Date()).toISOString(),
    };
  } catch (error) {
    // The name is this deployment's id (random): the execution holding it is this deployment's.
    if (errorName(error) !== "ExecutionAlreadyExists") throw error;
  }
  // The execution exists: whatever the describe answers, the deployment is started, never Failed.
  const described = await existingExecution(deps, entry).catch(() => undefined);
  return described ?? { executionArn: executionArnOf(deps, entry) };
}

/** The execution named by the deployment's id, as Step Functions has it; undefined: there is none. */
async function existingExecution(deps: DeployerDeps, entry: QueueEntry): Promise<Started | undefined> {
  const executionArn = executionArnOf(deps, entry);
  try {
    const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const startedAt = execution.startDate?.toISOString();
    return { executionArn, ...(startedAt ? { startedAt } : {}) };
  } catch (error) {
    if (errorName(error) === "ExecutionDoesNotExist") return undefined;
    throw error;
  }
}
