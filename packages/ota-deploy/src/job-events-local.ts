// The job-events path run locally against the emulator, for the integration tests and the demo scenes: the
// emulator's job and job-execution events of a job sent to the job-events queue as the two IoT rules send them,
// then drained into job-metrics as its event source mapping does (batches of JOB_METRICS_BATCH.size).
import { jobEvents } from "@fleet/testing/simulated-fleet";
import { type Delivery, deliverQueue, sendAsRule } from "@fleet/testing/sqs-queue";
import { JOB_METRICS_BATCH } from "./index";

/** The topics the rules select (`$aws/events/jobExecution/#`, `$aws/events/job/#`). */
const RULE_TOPICS = /^\$aws\/events\/(jobExecution|job)\//;

export interface LocalJobEvents {
  /** The emulator's endpoint (AWS_ENDPOINT_URL). */
  endpoint: string;
  /** The job-events queue's URL in the local stack (a scene's `stage.resources["job-events"]`). */
  queueUrl: string;
  jobId: string;
  /** Events of the job sent by earlier calls (the `sent` they answered, summed): they are not sent again. */
  alreadySent?: number;
  /** Invokes job-metrics as Lambda would (a scene's `stage.invoke`, a test's handler invoker). */
  invoke: (handler: "job-metrics", event: unknown) => Promise<unknown>;
}

/** Sends the job's new events to the queue as the rules would, and drains the queue into job-metrics. */
export async function deliverJobEvents(args: LocalJobEvents): Promise<Delivery & { sent: number }> {
  const events = (await jobEvents(args.endpoint, args.jobId))
    .filter((e) => RULE_TOPICS.test(e.topic))
    .slice(args.alreadySent ?? 0);
  await sendAsRule(
    args.queueUrl,
    events.map((e) => e.payload),
  );
  const delivery = await deliverQueue(args.queueUrl, (event) => args.invoke("job-metrics", event), {
    batchSize: JOB_METRICS_BATCH.size,
  });
  return { ...delivery, sent: events.length };
}
