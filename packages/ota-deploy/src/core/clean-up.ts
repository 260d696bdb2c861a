// A round's clean-up, safe to repeat and safe on a half-created deployment: cancel the job (force, so IN_PROGRESS
// executions stop too) and delete it, delete the stream. Whatever is already gone is reported as absent.
import {
  CancelJobCommand,
  DeleteJobCommand,
  DeleteStreamCommand,
  DescribeJobCommand,
  type IoTClient,
} from "@aws-sdk/client-iot";
import { isNotFound, unlessNotFound } from "@fleet/shared-aws";

export type CleanUpOutcome = "deleted" | "deleting" | "absent";

export interface CleanUpResult {
  jobId: string;
  job: CleanUpOutcome;
  /** True when this clean-up cancelled the job (it was still running). */
  cancelled: boolean;
  stream: CleanUpOutcome;
}

export async function cleanUp(
  iot: IoTClient,
  input: { jobId: string; streamId: string },
): Promise<CleanUpResult> {
  const { jobId } = input;
  const found = (await unlessNotFound(() => iot.send(new DescribeJobCommand({ jobId }))))?.job;
  let job: CleanUpOutcome = "absent";
  let cancelled = false;
  if (found?.status === "DELETION_IN_PROGRESS") job = "deleting";
  else if (found) {
    if (found.status === "IN_PROGRESS" || found.status === "SCHEDULED") {
      await unlessNotFound(() =>
        iot.send(new CancelJobCommand({ jobId, force: true, comment: "ota-deploy clean-up" })),
      );
      cancelled = true;
    }
    await unlessNotFound(() => iot.send(new DeleteJobCommand({ jobId, force: true })));
    job = "deleted";
  }
  let stream: CleanUpOutcome = "deleted";
  try {
    await iot.send(new DeleteStreamCommand({ streamId: input.streamId }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
    stream = "absent";
  }
  return { jobId, job, cancelled, stream };
}
