// removeJob / removeStaticGroup against the exact IoT request shapes (aws-sdk-client-mock): the emulator deletes
// jobs synchronously and never answers LimitExceeded or a cancel race, so those AWS answers are mocked here.
import {
  CancelJobCommand,
  DeleteJobCommand,
  DeleteThingGroupCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { removeJob, removeStaticGroup } from "../../src";
import { awsError } from "../../src/testing";

const iot = mockClient(IoTClient);
const client = new IoTClient({ region: "us-east-1" });
beforeEach(() => {
  iot.reset();
});

describe("removeJob (mocked IoT request shapes)", () => {
  it("cancels a running job with force, then deletes it with force", async () => {
    iot.on(DescribeJobCommand).resolves({ job: { jobId: "j", status: "IN_PROGRESS" } });
    const removed = await removeJob(client, "j", { comment: "clean-up" });
    expect(removed).toEqual({ outcome: "deleted", cancelled: true });
    expect(iot.commandCalls(CancelJobCommand)[0]?.args[0].input).toEqual({
      jobId: "j",
      force: true,
      comment: "clean-up",
    });
    expect(iot.commandCalls(DeleteJobCommand)[0]?.args[0].input).toEqual({ jobId: "j", force: true });
  });

  it("deletes a job that finished between DescribeJob and CancelJob (InvalidStateTransitionException)", async () => {
    iot.on(DescribeJobCommand).resolves({ job: { jobId: "j", status: "IN_PROGRESS" } });
    iot.on(CancelJobCommand).rejects(awsError("InvalidStateTransitionException", 409));
    expect(await removeJob(client, "j", { comment: "c" })).toEqual({ outcome: "deleted", cancelled: false });
    expect(iot.commandCalls(DeleteJobCommand)).toHaveLength(1);
  });

  it("turns DeleteJob's LimitExceededException (10 jobs deleting at once) into a retryable TransientError", async () => {
    iot.on(DescribeJobCommand).resolves({ job: { jobId: "j", status: "COMPLETED" } });
    iot.on(DeleteJobCommand).rejects(awsError("LimitExceededException", 410));
    await expect(removeJob(client, "j", { comment: "c" })).rejects.toMatchObject({
      name: "TransientError",
      retryable: true,
    });
  });

  it("keeps a job that is not the caller's, and reports absent and deleting jobs without a call", async () => {
    iot
      .on(DescribeJobCommand, { jobId: "other" })
      .resolves({ job: { jobId: "other", status: "IN_PROGRESS" } });
    iot.on(DescribeJobCommand, { jobId: "gone" }).rejects(awsError("ResourceNotFoundException", 404));
    iot.on(DescribeJobCommand, { jobId: "going" }).resolves({ job: { status: "DELETION_IN_PROGRESS" } });
    expect(await removeJob(client, "other", { comment: "c", owned: () => false })).toEqual({
      outcome: "kept",
      cancelled: false,
    });
    expect((await removeJob(client, "gone", { comment: "c" })).outcome).toBe("absent");
    expect((await removeJob(client, "going", { comment: "c" })).outcome).toBe("deleting");
    expect(iot.commandCalls(CancelJobCommand)).toHaveLength(0);
    expect(iot.commandCalls(DeleteJobCommand)).toHaveLength(0);
  });
});

describe("removeStaticGroup (mocked IoT request shapes)", () => {
  it("deletes a static group, keeps a dynamic one, and reports a missing one as absent", async () => {
    iot.on(DescribeThingGroupCommand, { thingGroupName: "s" }).resolves({ thingGroupName: "s" });
    iot.on(DescribeThingGroupCommand, { thingGroupName: "d" }).resolves({ queryString: "thingName:*" });
    iot
      .on(DescribeThingGroupCommand, { thingGroupName: "x" })
      .rejects(awsError("ResourceNotFoundException", 404));
    expect(await removeStaticGroup(client, "s")).toBe("deleted");
    expect(await removeStaticGroup(client, "d")).toBe("kept");
    expect(await removeStaticGroup(client, "x")).toBe("absent");
    expect(iot.commandCalls(DeleteThingGroupCommand).map((c) => c.args[0].input)).toEqual([
      { thingGroupName: "s" },
    ]);
  });
});
