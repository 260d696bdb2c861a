import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { awsClient, defineHandler } from "@fleet/shared-aws";
import { handlerConfig } from "../config";
import { release } from "../core/release";
import { releaseEvent } from "../schemas";

const config = handlerConfig("release");
const s3 = awsClient(S3Client);
const kms = awsClient(KMSClient);

export const handler = defineHandler({
  name: "release",
  schema: releaseEvent,
  handler: (event, { deadline }) =>
    release(
      { s3, kms, bucket: config.FIRMWARE_BUCKET, signingKeyId: config.SIGNING_KEY_ID, deadline },
      event,
    ),
});
