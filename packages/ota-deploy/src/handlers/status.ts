import { IoTClient } from "@aws-sdk/client-iot";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { rateGate } from "@fleet/shared-aws/steps";
import { handlerConfig } from "../config";
import { jobStatus } from "../core/job-status";
import { requirePrefix } from "../core/names";
import { statusEvent } from "../schemas";

const config = handlerConfig("status");
const iot = awsClient(IoTClient);

export const handler = defineHandler({
  name: "status",
  schema: statusEvent,
  handler: (event, { deadline }) => {
    requirePrefix(config.GROUP_NAME_PREFIX, { jobId: event.jobId });
    // A gate per invocation: the rate holds for one answer's calls, each waiting on the one before.
    return jobStatus(
      { iot, gate: rateGate(config.JOB_STATUS_RATE), callsPerSecond: config.JOB_STATUS_RATE, deadline },
      event,
    );
  },
});
