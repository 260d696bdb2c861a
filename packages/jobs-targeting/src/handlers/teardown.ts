import { IoTClient } from "@aws-sdk/client-iot";
import { SFNClient } from "@aws-sdk/client-sfn";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { appliedQuotas } from "@fleet/shared-aws/steps";
import { handlerConfig } from "../config";
import { requireNamePrefixes } from "../core/names";
import { refuseThingDeletionWithoutTestFleetTools, teardown } from "../core/teardown";
import { teardownEvent } from "../schemas";

const config = handlerConfig("teardown");
const paced = awsClient(IoTClient, { paced: true });
const iot = awsClient(IoTClient);
const quotaLookup = appliedQuotas();
const sfn = awsClient(SFNClient);

export const handler = defineHandler({
  name: "teardown",
  schema: teardownEvent,
  handler: (event, { logger, deadline }) => {
    refuseThingDeletionWithoutTestFleetTools(config.TEST_FLEET_TOOLS, event.thingPrefix);
    requireNamePrefixes(config, { jobName: event.jobName, thingPrefix: event.thingPrefix });
    return teardown(
      {
        paced,
        iot,
        sfn,
        stateMachineArn: config.STATE_MACHINE_ARN,
        deleteRate: config.DELETE_THING_RATE,
        listRate: config.LIST_THINGS_RATE,
        concurrency: config.CONCURRENCY,
        deadline,
        logger,
        quotaLookup,
      },
      event,
    );
  },
});
