// The exact AWS request shapes (IoT API reference: CreateStream, CreateJob, CancelJob, DeleteJob, DeleteStream),
// at the request level with aws-sdk-client-mock: the emulator's stream support is this project's own extension,
// so the shapes AWS takes are pinned here independently of it.
import {
  CancelJobCommand,
  CreateJobCommand,
  CreateStreamCommand,
  DeleteJobCommand,
  DeleteStreamCommand,
  DescribeJobCommand,
  DescribeStreamCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { resourceNotFoundError } from "@fleet/shared-aws/testing";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { cleanUp } from "../../src/core/clean-up";
import { deployRound } from "../../src/core/deploy-round";
import { parseDeploymentConfig } from "../../src/core/deployment-config";
import type { DeploymentPlan } from "../../src/core/plan";
import type { ReleaseRecord } from "../../src/core/release-record";

const iotMock = mockClient(IoTClient);
afterEach(() => {
  iotMock.reset();
});
const iot = new IoTClient({});

const release: ReleaseRecord = {
  version: "1.0.0",
  bucket: "fleet-dev-ota-deploy-firmware-1",
  key: "firmware/1.0.0/fw.bin",
  versionId: "3HL4kqtJlcpXroDTDmJ",
  size: 1024,
  md5: "0".repeat(32),
  sha256: "1".repeat(64),
  fileId: 12,
  signature: null,
  releasedAt: "2026-11-29T00:00:00.000Z",
};
const ROLE = "arn:aws:iam::123456789012:role/fleet/dev/fleet-dev-ota-deploy-iot";
const plan: DeploymentPlan = {
  config: parseDeploymentConfig({
    jobId: "fleet-dev-fw",
    streamId: "fleet-dev-fw-stream",
    release: "1.0.0",
    targets: { things: ["a"] },
    rounds: 2,
    presignedUrl: { roleArn: ROLE, expiresInSec: 600 },
    timeout: { inProgressTimeoutInMinutes: 5 },
  }),
  release,
  streamId: "fleet-dev-fw-stream",
  fileId: 12,
  roleArn: ROLE,
  document: '{"command":"fota"}',
  targets: { kind: "things", arns: ["arn:aws:iot:eu-west-1:123456789012:thing/a"] },
};

describe("a round, at the request level (emulator-independent)", () => {
  it("sends CreateStream with one file at the release's object version and the OTA role, then CreateJob with every setting", async () => {
    iotMock.on(DescribeStreamCommand).rejects(resourceNotFoundError());
    iotMock.on(CreateStreamCommand).resolves({ streamId: "fleet-dev-fw-stream" });
    iotMock
      .on(DescribeJobCommand)
      .rejectsOnce(resourceNotFoundError())
      .resolves({
        job: {
          jobId: "fleet-dev-fw-r2",
          jobArn: "arn:job",
          status: "IN_PROGRESS",
          createdAt: new Date(0),
          targets: plan.targets.kind === "things" ? plan.targets.arns : [],
        },
      });
    iotMock.on(CreateJobCommand).resolves({ jobId: "fleet-dev-fw-r2" });
    const started = await deployRound(iot, { plan, round: 2 });
    expect(iotMock.commandCalls(CreateStreamCommand)[0]?.args[0].input).toEqual({
      streamId: "fleet-dev-fw-stream",
      description: "Firmware 1.0.0 (ota-deploy)",
      files: [
        { fileId: 12, s3Location: { bucket: release.bucket, key: release.key, version: release.versionId } },
      ],
      roleArn: ROLE,
    });
    expect(iotMock.commandCalls(CreateJobCommand)[0]?.args[0].input).toEqual({
      jobId: "fleet-dev-fw-r2",
      targets: ["arn:aws:iot:eu-west-1:123456789012:thing/a"],
      document: '{"command":"fota"}',
      description: "Firmware 1.0.0, round 2 of 2 (ota-deploy)",
      targetSelection: "SNAPSHOT",
      presignedUrlConfig: { roleArn: ROLE, expiresInSec: 600 },
      timeoutConfig: { inProgressTimeoutInMinutes: 5 },
    });
    // The deadline counts from the job's creation, so a retried step does not extend it.
    expect(started.deadlineAt).toBe(120 * 60_000);
  });

  it("cleans up with CancelJob force, DeleteJob force and DeleteStream; absent resources are not errors", async () => {
    iotMock.on(DescribeJobCommand).resolves({ job: { jobId: "fleet-dev-fw-r1", status: "IN_PROGRESS" } });
    iotMock.on(CancelJobCommand).resolves({});
    iotMock.on(DeleteJobCommand).resolves({});
    iotMock.on(DeleteStreamCommand).rejects(resourceNotFoundError());
    expect(await cleanUp(iot, { jobId: "fleet-dev-fw-r1", streamId: "fleet-dev-fw-stream" })).toEqual({
      jobId: "fleet-dev-fw-r1",
      job: "deleted",
      cancelled: true,
      stream: "absent",
    });
    expect(iotMock.commandCalls(CancelJobCommand)[0]?.args[0].input).toEqual({
      jobId: "fleet-dev-fw-r1",
      force: true,
      comment: "ota-deploy clean-up",
    });
    expect(iotMock.commandCalls(DeleteJobCommand)[0]?.args[0].input).toEqual({
      jobId: "fleet-dev-fw-r1",
      force: true,
    });
    expect(iotMock.commandCalls(DeleteStreamCommand)[0]?.args[0].input).toEqual({
      streamId: "fleet-dev-fw-stream",
    });
  });

  it("refuses to carry on with a finished job of the round's id", async () => {
    iotMock.on(DescribeStreamCommand).resolves({
      streamInfo: {
        files: [
          {
            fileId: 12,
            s3Location: { bucket: release.bucket, key: release.key, version: release.versionId as string },
          },
        ],
      },
    });
    iotMock
      .on(DescribeJobCommand)
      .resolves({ job: { jobId: "fleet-dev-fw-r1", status: "COMPLETED", targets: [] } });
    await expect(deployRound(iot, { plan, round: 1 })).rejects.toMatchObject({
      name: "ConflictError",
      message: expect.stringContaining("status COMPLETED"),
    });
    expect(iotMock.commandCalls(CreateJobCommand)).toHaveLength(0);
  });
});
