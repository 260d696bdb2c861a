// Calls the emulator lacks (or cannot make fail the way AWS does), checked with aws-sdk-client-mock against the
// request shapes of the AWS IoT API reference. aws-wire-shapes.test.ts checks the HTTP requests they become.
import {
  CancelJobCommand,
  CreateDynamicThingGroupCommand,
  DeleteDynamicThingGroupCommand,
  DeleteJobCommand,
  DeleteThingGroupCommand,
  DescribeIndexCommand,
  DescribeJobCommand,
  DescribeThingGroupCommand,
  GetIndexingConfigurationCommand,
  IoTClient,
  SearchIndexCommand,
  UpdateIndexingConfigurationCommand,
} from "@aws-sdk/client-iot";
import { ListExecutionsCommand, SFNClient, StopExecutionCommand } from "@aws-sdk/client-sfn";
import { TransientError } from "@fleet/shared-aws";
import { awsError, resourceNotFoundError } from "@fleet/shared-aws/testing";
import { afterEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { createTargetGroup } from "../../src/core/create-target-group";
import { searchPage } from "../../src/core/fleet-search";
import { ensureIndexing, indexStatus } from "../../src/core/indexing";
import { teardown } from "../../src/core/teardown";

const iotMock = mockClient(IoTClient);
const sfnMock = mockClient(SFNClient);
const iot = new IoTClient({ region: "us-east-1" });
const sfn = new SFNClient({ region: "us-east-1" });
afterEach(() => {
  iotMock.reset();
  sfnMock.reset();
});

const ARN = "arn:aws:iot:us-east-1:000000000000";
const QUERY =
  "(shadow.reported.updateKey:1700000000000 OR (thingName:dev*)) AND NOT thingGroupNames:job1-exclude";

describe("calls the emulator lacks, at the AWS API reference's request shapes", () => {
  it("CreateDynamicThingGroup request matches the AWS API reference shape (emulator lacks dynamic groups)", async () => {
    iotMock.on(DescribeThingGroupCommand).rejects(resourceNotFoundError());
    iotMock
      .on(CreateDynamicThingGroupCommand)
      .resolves({ thingGroupName: "job1", thingGroupArn: `${ARN}:thinggroup/job1` });
    const result = await createTargetGroup(iot, { groupName: "job1", queryString: QUERY });
    expect(result).toEqual({ groupName: "job1", groupArn: `${ARN}:thinggroup/job1`, outcome: "created" });
    expect(iotMock.commandCalls(CreateDynamicThingGroupCommand).map((c) => c.args[0].input)).toEqual([
      {
        thingGroupName: "job1",
        queryString: QUERY,
        indexName: "AWS_Things",
        queryVersion: "2017-09-30",
        thingGroupProperties: {
          thingGroupDescription: "Targets of the IoT job of the same name (jobs-targeting)",
        },
      },
    ]);
  });

  it("DescribeIndex request matches the AWS API reference shape, and only ACTIVE counts as ready (emulator lacks DescribeIndex)", async () => {
    for (const [status, ready] of [
      ["ACTIVE", true],
      ["BUILDING", false],
      ["REBUILDING", false],
    ] as const) {
      iotMock
        .on(DescribeIndexCommand)
        .resolves({ indexName: "AWS_Things", indexStatus: status, schema: "REGISTRY_AND_SHADOW" });
      await expect(indexStatus(iot)).resolves.toEqual({ indexStatus: status, ready });
    }
    expect(iotMock.commandCalls(DescribeIndexCommand).map((c) => c.args[0].input)).toEqual(
      Array(3).fill({ indexName: "AWS_Things" }),
    );
  });

  it("DeleteDynamicThingGroup request matches the AWS API reference shape; teardown stops the job's running executions, then cancels (force) and deletes the job first (emulator lacks dynamic groups)", async () => {
    const SM = "arn:aws:states:us-east-1:000000000000:stateMachine:sm";
    const execution = (name: string) => ({
      name,
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:sm:${name}`,
      stateMachineArn: SM,
      status: "RUNNING" as const,
      startDate: new Date(),
    });
    sfnMock
      .on(ListExecutionsCommand, { nextToken: undefined })
      .resolves({ executions: [execution("job1-1"), execution("job1-a-2")], nextToken: "page2" })
      .on(ListExecutionsCommand, { nextToken: "page2" })
      .resolves({ executions: [execution("job1-3"), execution("other-4")] });
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date() });
    iotMock.on(DescribeJobCommand).resolves({ job: { jobId: "job1", status: "IN_PROGRESS" } });
    iotMock
      .on(DescribeThingGroupCommand, { thingGroupName: "job1" })
      .resolves({ thingGroupName: "job1", queryString: QUERY });
    iotMock
      .on(DescribeThingGroupCommand, { thingGroupName: "job1-exclude" })
      .resolves({ thingGroupName: "job1-exclude" });
    const deps = {
      paced: iot,
      iot,
      sfn,
      stateMachineArn: SM,
      deleteRate: 10,
      listRate: 10,
      concurrency: 1,
      deadline: Date.now() + 60_000,
      logger: { info: () => undefined, warn: () => undefined },
    };
    const result = await teardown(deps, { jobName: "job1" });
    expect(result).toEqual({
      done: true,
      cursor: null,
      stoppedExecutions: [execution("job1-1").executionArn, execution("job1-3").executionArn],
      job: "deleted",
      targetGroup: "deleted",
      excludeGroup: "deleted",
      notes: [expect.stringMatching(/^a step the stopped executions had already invoked finishes/)],
      things: null,
    });
    // Only this job's executions (job1-<time>, not job1-a's), every page, each stopped before any IoT call.
    expect(sfnMock.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: SM, statusFilter: "RUNNING", maxResults: 1000, nextToken: undefined },
      { stateMachineArn: SM, statusFilter: "RUNNING", maxResults: 1000, nextToken: "page2" },
    ]);
    expect(sfnMock.commandCalls(StopExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual(
      result.stoppedExecutions,
    );
    const lastStop = sfnMock.commandCalls(StopExecutionCommand).at(-1);
    const firstIotCall = iotMock.calls()[0];
    expect(lastStop && firstIotCall && lastStop.calledBefore(firstIotCall)).toBe(true);
    expect(iotMock.calls().map((c) => [c.args[0].constructor.name, c.args[0].input])).toEqual([
      ["DescribeJobCommand", { jobId: "job1" }],
      ["CancelJobCommand", { jobId: "job1", force: true, comment: "jobs-targeting teardown" }],
      ["DeleteJobCommand", { jobId: "job1", force: true }],
      ["DescribeThingGroupCommand", { thingGroupName: "job1" }],
      ["DeleteDynamicThingGroupCommand", { thingGroupName: "job1" }],
      ["DescribeThingGroupCommand", { thingGroupName: "job1-exclude" }],
      ["DeleteThingGroupCommand", { thingGroupName: "job1-exclude" }],
    ]);
    expect(iotMock.commandCalls(CancelJobCommand)).toHaveLength(1);
    expect(iotMock.commandCalls(DeleteJobCommand)).toHaveLength(1);
    expect(iotMock.commandCalls(DeleteDynamicThingGroupCommand)).toHaveLength(1);
    expect(iotMock.commandCalls(DeleteThingGroupCommand)).toHaveLength(1);
  });

  it("SearchIndex IndexNotReadyException becomes a retryable TransientError (emulator never answers it)", async () => {
    iotMock.on(SearchIndexCommand).rejects(awsError("IndexNotReadyException", 400, "index building"));
    await expect(searchPage(iot, "thingGroupNames:g", null)).rejects.toBeInstanceOf(TransientError);
  });
});

describe("UpdateIndexingConfiguration keeps every other setting", () => {
  it("sends the whole configuration back, managed fields dropped, changing only the thing indexing mode", async () => {
    const customFields = [{ name: "attributes.model", type: "String" as const }];
    iotMock.on(GetIndexingConfigurationCommand).resolves({
      thingIndexingConfiguration: {
        thingIndexingMode: "REGISTRY",
        thingConnectivityIndexingMode: "STATUS",
        customFields,
        managedFields: [{ name: "thingName", type: "String" }],
        filter: { namedShadowNames: ["fw"] },
        namedShadowIndexingMode: "ON",
      },
      thingGroupIndexingConfiguration: {
        thingGroupIndexingMode: "ON",
        managedFields: [{ name: "thingGroupName", type: "String" }],
      },
    });
    iotMock.on(UpdateIndexingConfigurationCommand).resolves({});
    const result = await ensureIndexing(iot, {
      fleetIndexQuery: "thingName:dev* AND connectivity.connected:true",
    });
    expect(result).toEqual({
      changed: true,
      changes: ["thingIndexingMode: REGISTRY -> REGISTRY_AND_SHADOW"],
      thingIndexingMode: "REGISTRY_AND_SHADOW",
    });
    expect(iotMock.commandCalls(UpdateIndexingConfigurationCommand).map((c) => c.args[0].input)).toEqual([
      {
        thingIndexingConfiguration: {
          thingIndexingMode: "REGISTRY_AND_SHADOW",
          thingConnectivityIndexingMode: "STATUS",
          customFields,
          filter: { namedShadowNames: ["fw"] },
          namedShadowIndexingMode: "ON",
        },
        thingGroupIndexingConfiguration: { thingGroupIndexingMode: "ON" },
      },
    ]);
  });

  it("switches on what the query reads and leaves an account that already serves it alone", async () => {
    iotMock
      .on(GetIndexingConfigurationCommand)
      .resolves({ thingIndexingConfiguration: { thingIndexingMode: "OFF" } });
    iotMock.on(UpdateIndexingConfigurationCommand).resolves({});
    await ensureIndexing(iot, {
      fleetIndexQuery: "shadow.name.fw.reported.v:2 AND connectivity.connected:true",
    });
    expect(iotMock.commandCalls(UpdateIndexingConfigurationCommand)[0]?.args[0].input).toEqual({
      thingIndexingConfiguration: {
        thingIndexingMode: "REGISTRY_AND_SHADOW",
        thingConnectivityIndexingMode: "STATUS",
        namedShadowIndexingMode: "ON",
        filter: { namedShadowNames: ["fw"] },
      },
    });

    iotMock.reset();
    iotMock
      .on(GetIndexingConfigurationCommand)
      .resolves({ thingIndexingConfiguration: { thingIndexingMode: "REGISTRY_AND_SHADOW" } });
    await expect(ensureIndexing(iot, { fleetIndexQuery: "*" })).resolves.toEqual({
      changed: false,
      changes: [],
      thingIndexingMode: "REGISTRY_AND_SHADOW",
    });
    expect(iotMock.commandCalls(UpdateIndexingConfigurationCommand)).toHaveLength(0);
  });
});
