// list-quarantined pages through the quarantine group as AWS does (the emulator ignores maxResults, so the
// paging is tested here against the ListThingsInThingGroup request shape, with aws-sdk-client-mock).
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeThingCommand,
  IoTClient,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  UpdateThingCommand,
} from "@aws-sdk/client-iot";
import { resourceNotFoundError } from "@fleet/shared-aws/testing";
import { beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { L, M, N, S } from "../../src/core/item-update";
import { listQuarantined, release } from "../../src/core/operator";

const dynamodb = new DynamoDBClient({ region: "eu-west-1" });
const iot = new IoTClient({ region: "eu-west-1" });
const db = mockClient(dynamodb);
const iotMock = mockClient(iot);
const deps = { dynamodb, iot, retriesTable: "retries", group: "fleet-dev-FailedToUpdate" };

beforeEach(() => {
  db.reset();
  iotMock.reset();
  db.on(GetItemCommand).callsFake(({ Key }) => ({
    Item: {
      deviceId: Key.deviceId,
      phase: S("quarantined"),
      cycle: N(2),
      totalFailures: N(20),
      history: L([M({ at: N(1_711_320_208_793), event: S("quarantined") })]),
    },
  }));
});

describe("listQuarantined (request shape; the emulator ignores maxResults)", () => {
  it("asks for one page of the group and hands back AWS's token for the next", async () => {
    iotMock.on(ListThingsInThingGroupCommand).resolves({ things: ["a", "b"], nextToken: "t2" });
    const page = await listQuarantined(deps, { limit: 2, nextToken: "t1" });
    expect(iotMock.commandCalls(ListThingsInThingGroupCommand)[0]?.args[0].input).toEqual({
      thingGroupName: "fleet-dev-FailedToUpdate",
      maxResults: 2,
      nextToken: "t1",
    });
    expect(page).toEqual({
      devices: [
        {
          deviceId: "a",
          phase: "quarantined",
          cycle: 2,
          totalFailures: 20,
          quarantinedAt: "2024-03-24T22:43:28.793Z",
        },
        {
          deviceId: "b",
          phase: "quarantined",
          cycle: 2,
          totalFailures: 20,
          quarantinedAt: "2024-03-24T22:43:28.793Z",
        },
      ],
      nextToken: "t2",
    });
  });

  it("answers an empty last page when the group does not exist yet", async () => {
    iotMock.on(ListThingsInThingGroupCommand).rejects(resourceNotFoundError());
    expect(await listQuarantined(deps, { limit: 50 })).toEqual({ devices: [], nextToken: null });
  });
});

describe("release (request shape)", () => {
  const moved = { attributeNames: ["FW", "model"], moveOutValue: "moveOut", failedValue: "failedtoupdate" };
  const releaseDeps = { ...deps, ...moved, backupTable: "backups", historyLimit: 50 };
  const locked = {
    deviceId: S("dev1"),
    phase: S("coolingDown"),
    cycle: N(1),
    epoch: N(2),
    lockOwner: S("release:r1"),
    history: L([]),
  };

  it("restores what the registry shows moved out even when no record says so (a step crashed after its write)", async () => {
    db.on(UpdateItemCommand).resolves({ Attributes: locked });
    db.on(GetItemCommand, { TableName: "backups" }).resolves({
      Item: { deviceId: S("dev1"), epoch: N(1), attributes: M({ FW: S("2.27"), model: S("moveOut") }) },
    });
    iotMock.on(DescribeThingCommand).resolves({ attributes: { FW: "moveOut", model: "moveOut", site: "x" } });
    iotMock.on(UpdateThingCommand).resolves({});
    iotMock.on(RemoveThingFromThingGroupCommand).resolves({});
    const released = await release(releaseDeps, { deviceId: "dev1", requestId: "r1" });
    // model's backup holds a moved-out value itself (a bad backup): it is never written back.
    expect(released.restored).toEqual({ FW: "2.27" });
    expect(iotMock.commandCalls(UpdateThingCommand)[0]?.args[0].input).toEqual({
      thingName: "dev1",
      attributePayload: { attributes: { FW: "2.27" }, merge: true },
    });
  });
});
