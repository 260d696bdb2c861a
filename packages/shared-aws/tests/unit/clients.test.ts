import { DescribeEndpointCommand, IoTClient } from "@aws-sdk/client-iot";
import { S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { mockClient } from "aws-sdk-client-mock";
import { awsClient, iotDataClient, resetClients } from "../../src";

const iot = mockClient(IoTClient);
const saved = { ...process.env };

beforeEach(() => {
  resetClients();
  for (const key of ["IOT_DATA_ENDPOINT", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IOT_DATA_PLANE"])
    delete process.env[key];
});
afterEach(() => {
  iot.reset();
  process.env = { ...saved };
});

describe("awsClient", () => {
  it("creates one client per class and flavour for the container's life", async () => {
    expect(awsClient(S3Client)).toBe(awsClient(S3Client));
    expect(awsClient(S3Client, { paced: true })).toBe(awsClient(S3Client, { paced: true }));
    expect(awsClient(S3Client, { paced: true })).not.toBe(awsClient(S3Client));
  });

  it("retries adaptively by default and leaves retries to the pacer for paced work", async () => {
    expect(await awsClient(IoTClient).config.maxAttempts()).toBe(6);
    const strategy = (await awsClient(IoTClient).config.retryStrategy()) as { mode?: string };
    expect(strategy.mode).toBe("adaptive");
    expect(await awsClient(IoTClient, { paced: true }).config.maxAttempts()).toBe(1);
  });
});

describe("iotDataClient", () => {
  it("uses IOT_DATA_ENDPOINT when configured, without discovery", async () => {
    process.env.IOT_DATA_ENDPOINT = "abc123-ats.iot.us-east-1.example.com";
    const client = await iotDataClient();
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe("abc123-ats.iot.us-east-1.example.com");
    expect(endpoint?.protocol).toBe("https:");
    expect(iot.commandCalls(DescribeEndpointCommand)).toHaveLength(0);
  });

  it("discovers the iot:Data-ATS endpoint once and caches the client", async () => {
    iot.on(DescribeEndpointCommand, { endpointType: "iot:Data-ATS" }).resolves({
      endpointAddress: "xyz-ats.iot.eu-west-1.example.com",
    });
    const first = await iotDataClient();
    const second = await iotDataClient();
    expect(second).toBe(first);
    expect(iot.commandCalls(DescribeEndpointCommand)).toHaveLength(1);
    expect((await first.config.endpoint?.())?.hostname).toBe("xyz-ats.iot.eu-west-1.example.com");
  });

  it("leaves the endpoint to AWS_ENDPOINT_URL (the local emulator) and does not discover", async () => {
    process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:5000";
    await iotDataClient();
    expect(iot.commandCalls(DescribeEndpointCommand)).toHaveLength(0);
  });

  it("tries discovery again after a failure instead of caching it", async () => {
    iot
      .on(DescribeEndpointCommand)
      .rejectsOnce(new Error("network down"))
      .resolves({ endpointAddress: "h.example.com" });
    await expect(iotDataClient()).rejects.toThrow("network down");
    await expect(iotDataClient()).resolves.toBeDefined();
  });
});
