// The OTA stream of a round: one file (the release's object version) under the stream id, read by IoT with the
// OTA role. Created once per round, marked with the deployment's owner id, and found again by a re-run of the
// same deployment; a stream of that id that another deployment created, or with other files, is a conflict.
import { CreateStreamCommand, DescribeStreamCommand, type IoTClient } from "@aws-sdk/client-iot";
import { ConflictError, isAlreadyExists, unlessNotFound } from "@fleet/shared-aws";
import { ownedBy, ownerMark } from "./names";
import type { ReleaseRecord } from "./release-record";

export function createStreamRequest(
  streamId: string,
  fileId: number,
  release: ReleaseRecord,
  roleArn: string,
  owner: string,
) {
  return {
    streamId,
    description: `Firmware ${release.version} ${ownerMark(owner)}`,
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
  owner: string,
): Promise<"created" | "existed"> {
  const check = async () => {
    const existing = await unlessNotFound(() =>
      iot.send(new DescribeStreamCommand({ streamId: request.streamId })),
    );
    const info = existing?.streamInfo;
    if (!info) return undefined;
    if (!ownedBy(info.description, owner))
      throw new ConflictError(
        `stream ${request.streamId} exists and belongs to another deployment (${info.description ?? "no description"}); wait for it to end or choose another streamId`,
      );
    if (!sameFiles(info.files ?? [], request.files) || info.roleArn !== request.roleArn)
      throw new ConflictError(
        `stream ${request.streamId} exists with other files or another role; choose another streamId`,
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

type StreamFile = { fileId?: number; s3Location?: { bucket?: string; key?: string; version?: string } };

/** Field by field: the order in which IoT answers an object's keys is not part of the answer. */
function sameFiles(found: StreamFile[], wanted: StreamFile[]): boolean {
  const key = (f: StreamFile) =>
    [f.fileId, f.s3Location?.bucket, f.s3Location?.key, f.s3Location?.version ?? ""].join("\u0000");
  return found.length === wanted.length && found.every((f, i) => key(f) === key(wanted[i] as StreamFile));
}
