import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { type FailureSource, handlerConfig, listOf } from "../config";
import { recordBatch } from "../core/record-batch";
import { KnownRecords } from "../core/record-outcome";
import { RECORD_OUTCOME_SERVICE } from "../metrics";
import { recordOutcomeEvent } from "../schemas";

const config = handlerConfig("record-outcome");
const deps = {
  dynamodb: awsClient(DynamoDBClient),
  iot: awsClient(IoTClient),
  sfn: awsClient(SFNClient),
  retriesTable: config.RETRIES_TABLE,
  backupTable: config.BACKUP_TABLE,
  stateMachineArn: config.ESCALATION_ARN,
  retryLimit: config.RETRY_LIMIT,
  historyLimit: config.HISTORY_LIMIT,
  waits: { coolDownSeconds: config.COOL_DOWN_SECONDS, quarantineWaitSeconds: config.QUARANTINE_WAIT_SECONDS },
  // Kept for the container's life: which write a device's next message tries first.
  known: new KnownRecords(),
};
const sources = listOf(config.FAILURE_SOURCES) as FailureSource[];

export const handler = defineHandler({
  name: RECORD_OUTCOME_SERVICE,
  schema: recordOutcomeEvent,
  handler: (event, { logger, metrics, deadline }) =>
    recordBatch(
      {
        ...deps,
        sources,
        jobIdPrefix: config.JOB_ID_PREFIX,
        concurrency: config.CONCURRENCY,
        deadline,
        logger,
        metrics,
      },
      event.Records,
    ),
});
