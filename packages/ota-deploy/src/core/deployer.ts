// One run of the deployer, as the Scheduler schedule starts it: it first re-drives claims whose lease ended (a
// deployer that crashed after claiming, or a start that failed and waits for its retry), then claims the oldest
// pending deployments, up to `perRun` in all. A claim is the queue's move transaction, so however many runs
// overlap each deployment is claimed by exactly one; a re-drive takes an expired claim over with a conditional
// update, so exactly one run re-drives it. The execution's name is the deployment id: a start tried again (after a
// crash, or by a re-drive) answers the execution already started and never starts a second one.
import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { classifyError, errorMessage, errorName } from "@fleet/shared-aws";
import { entries, move, type QueueDeps, type QueueEntry, STATUS, updateClaim } from "./schedule-queue";

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
  now?: () => number;
}

export interface DeployerResult {
  deployed: { deploymentId: string; executionArn: string; startedAt: string }[];
  /** Failed visibly: the entry is in the Failed partition with this reason. */
  failed: { deploymentId: string; reason: string }[];
  /** Their start failed for a reason that may pass: the next run tries again. */
  retrying: { deploymentId: string; attempts: number; reason: string }[];
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
  const result: DeployerResult = { deployed: [], failed: [], retrying: [] };
  let budget = deps.perRun;
  const claim = (entry: QueueEntry): QueueEntry => ({
    ...entry,
    status: STATUS.claimed,
    claimToken: randomUUID(),
    leaseUntil: now() + deps.leaseMs,
    attempts: entry.attempts + 1,
  });
  for await (const entry of entries(deps, STATUS.claimed, { pageSize: PAGE, leaseEndedBefore: now() })) {
    if (budget === 0) break;
    const taken = claim(entry);
    if (!(await updateClaim(deps, entry, taken, now()))) continue;
    budget -= 1;
    await drive(deps, taken, result);
  }
  for await (const entry of entries(deps, STATUS.pending, { pageSize: PAGE })) {
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
  const { claimToken: _token, leaseUntil: _lease, lastError: _error, ...settled } = claimed;
  let started: { executionArn: string; startedAt: string };
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
    const failed = {
      ...settled,
      status: STATUS.failed,
      reason: why,
      failedAt: new Date(now()).toISOString(),
    };
    if (await move(deps, claimed, failed))
      result.failed.push({ deploymentId: claimed.deploymentId, reason: why });
    return;
  }
  if (await move(deps, claimed, { ...settled, status: STATUS.deployed, ...started })) {
    result.deployed.push({ deploymentId: claimed.deploymentId, ...started });
  }
}

/** The deployment's one execution: started now, or the one an earlier try started under the same name. */
async function startExecution(
  deps: DeployerDeps,
  entry: QueueEntry,
): Promise<{ executionArn: string; startedAt: string }> {
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
  const executionArn = `${deps.stateMachineArn.replace(":stateMachine:", ":execution:")}:${entry.deploymentId}`;
  const execution = await deps.sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { executionArn, startedAt: (execution.startDate ?? new Date()).toISOString() };
}
