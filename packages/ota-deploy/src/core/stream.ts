// The OTA stream of a round: one file (the release's object version) under the stream id, read by IoT with the
// OTA role. Created once per round and found on a re-run; a stream of that id with other files is a conflict.
import { CreateStreamCommand, DescribeStreamCommand, type IoTClient } from "@aws-sdk/client-iot";
import { ConflictError, isAlreadyExists, unlessNotFound } from "@fleet/shared-aws";
import type { ReleaseRecord } from "./release-record";

export function createStreamRequest(
  streamId: string,
  fileId: number,
  release: ReleaseRecord,
  roleArn: string,
) {
  return {
    streamId,
    description: `Firmware ${release.version} (ota-deploy)`,
    files: [
      {
        fileId,
        s3Location: {
          bucket: release.bucket,
          key: release.key,
          ...(release.versionId ? { version: release.versionId } : {}),
        },
      },
    ],
    roleArn,
  };
}

export async function ensureStream(
  iot: IoTClient,
  request: ReturnType<typeof createStreamRequest>,
): Promise<"created" | "existed"> {
  const check = async () => {
    const existing = await unlessNotFound(() =>
      iot.send(new DescribeStreamCommand({ streamId: request.streamId })),
    );
    if (!existing?.streamInfo) return undefined;
    const same = JSON.stringify(existing.streamInfo.files ?? []) === JSON.stringify(request.files);
    if (!same)
      throw new ConflictError(
        `stream ${request.streamId} exists with other files; clean up the deployment or choose another streamId`,
      );
    return "existed" as const;
  };
  const found = await check();
  if (found) return found;
  try {
    await iot.send(new CreateStreamCommand(request));
    return "created";
  } catch (error) {
    if (isAlreadyExists(error) && (await check())) return "existed";
    throw error;
  }
}
