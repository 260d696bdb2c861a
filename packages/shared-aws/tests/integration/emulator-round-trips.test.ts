// Real round trips through shared-aws clients against the local AWS emulator (moto server over HTTP).
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateThingCommand, DescribeThingCommand, IoTClient } from "@aws-sdk/client-iot";
import { GetThingShadowCommand, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { awsClient, iotDataClient, pace, readS3Lines } from "../../src";

const run = `it${Date.now().toString(36)}`;

beforeAll(() => {
  expect(process.env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

describe("shared-aws against the emulator", () => {
  it("creates a thing and describes it over HTTP", async () => {
    const iot = awsClient(IoTClient);
    await iot.send(
      new CreateThingCommand({ thingName: `${run}-thing`, attributePayload: { attributes: { fw: "1.0" } } }),
    );
    const thing = await iot.send(new DescribeThingCommand({ thingName: `${run}-thing` }));
    expect(thing.thingName).toBe(`${run}-thing`);
    expect(thing.attributes).toEqual({ fw: "1.0" });
    expect(thing.$metadata.httpStatusCode).toBe(200);
  });

  it("writes and reads a shadow through the data-plane client", async () => {
    const data = await iotDataClient();
    await awsClient(IoTClient).send(new CreateThingCommand({ thingName: `${run}-shadowed` }));
    await data.send(
      new UpdateThingShadowCommand({
        thingName: `${run}-shadowed`,
        payload: new TextEncoder().encode(JSON.stringify({ state: { reported: { updateKey: 42 } } })),
      }),
    );
    const shadow = await data.send(new GetThingShadowCommand({ thingName: `${run}-shadowed` }));
    expect(JSON.parse(new TextDecoder().decode(shadow.payload)).state.reported.updateKey).toBe(42);
  });

  it("reads an S3 object back line by line, and resumes with a ranged GET", async () => {
    const s3 = awsClient(S3Client);
    const bucket = `${run}-lists`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const body = "\uFEFFthing-a\r\nthing-b\nthing-c\r\r\n  thing-d  \nthing-a";
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "list.csv", Body: body }));

    const all = [];
    for await (const line of readS3Lines(s3, { bucket, key: "list.csv" })) all.push(line);
    expect(all.map((l) => l.text)).toEqual(["thing-a", "thing-b", "thing-c", "thing-d", "thing-a"]);

    const resumed = [];
    for await (const line of readS3Lines(s3, { bucket, key: "list.csv", from: all[1]?.end }))
      resumed.push(line.text);
    expect(resumed).toEqual(["thing-c", "thing-d", "thing-a"]);

    const atEnd = [];
    for await (const line of readS3Lines(s3, { bucket, key: "list.csv", from: all.at(-1)?.end }))
      atEnd.push(line);
    expect(atEnd).toEqual([]);
  });

  it("makes a DynamoDB conditional update that refuses the second writer", async () => {
    const db = awsClient(DynamoDBClient);
    const table = `${run}-counters`;
    await db.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: "deviceId", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "deviceId", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const claim = () =>
      db.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { deviceId: { S: "d1" } },
          UpdateExpression: "SET #owner = :me ADD #count :one",
          ConditionExpression: "attribute_not_exists(#owner)",
          ExpressionAttributeNames: { "#owner": "owner", "#count": "count" },
          ExpressionAttributeValues: { ":me": { S: "worker-1" }, ":one": { N: "1" } },
          ReturnValues: "ALL_NEW",
        }),
      );
    const first = await claim();
    expect(first.Attributes?.count).toEqual({ N: "1" });
    await expect(claim()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it("paces real calls: 200 things created once each, none lost", async () => {
    const iot = awsClient(IoTClient, { paced: true });
    const names = Array.from({ length: 200 }, (_, i) => `${run}-paced${i}`);
    const result = await pace(
      names,
      async (thingName) => {
        await iot.send(new CreateThingCommand({ thingName }));
      },
      { rate: 100, concurrency: 8 },
    );
    expect(result.succeeded).toBe(200);
    expect(result.failed).toEqual([]);
    const described = await Promise.all(
      [names[0], names[199]].map((thingName) =>
        awsClient(IoTClient).send(new DescribeThingCommand({ thingName })),
      ),
    );
    expect(described.map((d) => d.thingName)).toEqual([names[0], names[199]]);
  });
});
