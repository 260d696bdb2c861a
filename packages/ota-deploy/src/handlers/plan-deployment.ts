import { IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import * as z from "zod/mini";
import { handlerConfig } from "../config";
import { planDeployment, planDeps } from "../core/plan";

const config = handlerConfig("plan-deployment");
const deps = planDeps(config, { s3: awsClient(S3Client), iot: awsClient(IoTClient) });

export const handler = defineHandler({
  name: "plan-deployment",
  // The deployment config is validated by planDeployment, which names every bad field and its range.
  schema: z.unknown(),
  handler: (event) => planDeployment(deps, event),
});
