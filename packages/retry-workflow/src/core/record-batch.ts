// One SQS batch of the rules' messages: each parsed and recorded on its own, several at once. A message refused
// (not an outcome, or of a source this stack does not count) or ignored (an unknown device) is logged with its
// reason and dropped: retrying cannot help it. A message whose recording failed is reported back to SQS
// (ReportBatchItemFailures), which delivers it again and, after the queue's maxReceives, keeps it in the
// dead-letter queue; the rest of the batch is not delivered again. Near the function's deadline no message is
// started: those left are reported the same way, so a timeout never sends the whole batch back.
import { errorMessage, errorName, type HandlerContext } from "@fleet/shared-aws";
import { type BatchOutcome, messagesMetric } from "../metrics";
import { parseMessage, type SourceFilter } from "./messages";
import { type OutcomeResult, type RecordOutcomeDeps, recordOutcome } from "./record-outcome";

export interface BatchDeps extends RecordOutcomeDeps, SourceFilter {
  concurrency: number;
  /** Epoch ms after which no message is started (the handler's deadline); none when absent. */
  deadline?: number;
  logger: Pick<HandlerContext["logger"], "info" | "warn" | "error">;
  metrics?: Pick<HandlerContext["metrics"], "addMetric">;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
  counts: Record<OutcomeResult["result"] | "refused" | "failed", number>;
  /** Executions this batch started, by name. */
  escalations: string[];
  /** Messages dropped, with why. */
  dropped: { messageId: string; reason: string }[];
}

export async function recordBatch(
  deps: BatchDeps,
  records: readonly { messageId: string; body: string }[],
): Promise<BatchResult> {
  const result: BatchResult = {
    batchItemFailures: [],
    counts: { counted: 0, escalated: 0, reset: 0, held: 0, duplicate: 0, ignored: 0, refused: 0, failed: 0 },
    escalations: [],
    dropped: [],
  };
  const one = async ({ messageId, body }: { messageId: string; body: string }) => {
    const parsed = parseMessage(body, deps);
    if (!parsed.ok) {
      result.counts.refused++;
      result.dropped.push({ messageId, reason: parsed.reason });
      deps.logger.warn("message refused", { messageId, reason: parsed.reason });
      return;
    }
    try {
      const recorded = await recordOutcome(deps, parsed.outcome);
      result.counts[recorded.result]++;
      if (recorded.result === "escalated") {
        result.escalations.push(recorded.executionName);
        deps.logger.info("escalation started", { ...recorded });
      }
      if (recorded.result === "ignored") {
        result.dropped.push({ messageId, reason: `${recorded.deviceId}: ${recorded.reason}` });
        deps.logger.warn("message ignored", { messageId, ...recorded });
      }
    } catch (error) {
      result.counts.failed++;
      result.batchItemFailures.push({ itemIdentifier: messageId });
      deps.logger.error("message not recorded; SQS delivers it again", {
        messageId,
        deviceId: parsed.outcome.deviceId,
        error: { name: errorName(error), message: errorMessage(error) },
      });
    }
  };
  let next = 0;
  const inTime = () => deps.deadline === undefined || Date.now() < deps.deadline;
  const worker = async () => {
    while (next < records.length && inTime()) await one(records[next++] as (typeof records)[number]);
  };
  await Promise.all(Array.from({ length: Math.min(deps.concurrency, records.length) }, worker));
  const unstarted = records.slice(next);
  if (unstarted.length > 0) {
    result.counts.failed += unstarted.length;
    result.batchItemFailures.push(...unstarted.map(({ messageId }) => ({ itemIdentifier: messageId })));
    deps.logger.warn("messages not started before the deadline; SQS delivers them again", {
      messageIds: unstarted.map(({ messageId }) => messageId),
    });
  }
  for (const [outcome, count] of Object.entries(result.counts)) {
    if (count > 0) deps.metrics?.addMetric(messagesMetric(outcome as BatchOutcome), "Count", count);
  }
  return result;
}
