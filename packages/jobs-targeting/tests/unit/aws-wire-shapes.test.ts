// The HTTP requests the SDK sends for the calls the emulator lacks, against the AWS IoT API reference's
// routes and bodies. No aws-sdk-client-mock here: the real client serialises, a recording handler answers.
import {
  CreateDynamicThingGroupCommand,
  DeleteDynamicThingGroupCommand,
  DescribeIndexCommand,
  IoTClient,
} from "@aws-sdk/client-iot";
import { describe, expect, it } from "@jest/globals";

const QUERY =
  "(shadow.reported.updateKey:1700000000000 OR (thingName:dev*)) AND NOT thingGroupNames:job1-exclude";

/** A client that records each HTTP request the SDK builds and answers 200 with `body`. */
function recordingClient(body: unknown) {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const client = new IoTClient({
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    requestHandler: {
      handle: async (request: { method: string; path: string; body?: string | Uint8Array }) => {
        const text =
          typeof request.body === "string"
            ? request.body
            : request.body && new TextDecoder().decode(request.body);
        requests.push({
          method: request.method,
          path: request.path,
          body: text ? JSON.parse(text) : undefined,
        });
        const stream = new Blob([JSON.stringify(body)]).stream();
        return {
          response: { statusCode: 200, headers: { "content-type": "application/json" }, body: stream },
        };
      },
    },
  });
  return { client, requests };
}

describe("HTTP requests of the calls the emulator lacks", () => {
  it("CreateDynamicThingGroup is POST /dynamic-thing-groups/{thingGroupName} with the documented body (emulator lacks dynamic groups)", async () => {
    const { client, requests } = recordingClient({ thingGroupName: "job1", thingGroupArn: "arn" });
    await client.send(
      new CreateDynamicThingGroupCommand({
        thingGroupName: "job1",
        queryString: QUERY,
        indexName: "AWS_Things",
        queryVersion: "2017-09-30",
        thingGroupProperties: { thingGroupDescription: "d" },
      }),
    );
    expect(requests).toEqual([
      {
        method: "POST",
        path: "/dynamic-thing-groups/job1",
        body: {
          queryString: QUERY,
          indexName: "AWS_Things",
          queryVersion: "2017-09-30",
          thingGroupProperties: { thingGroupDescription: "d" },
        },
      },
    ]);
  });

  it("DeleteDynamicThingGroup is DELETE /dynamic-thing-groups/{thingGroupName} (emulator lacks dynamic groups)", async () => {
    const { client, requests } = recordingClient({});
    await client.send(new DeleteDynamicThingGroupCommand({ thingGroupName: "job1" }));
    expect(requests).toEqual([{ method: "DELETE", path: "/dynamic-thing-groups/job1", body: undefined }]);
  });

  it("DescribeIndex is GET /indices/{indexName} (emulator lacks DescribeIndex)", async () => {
    const { client, requests } = recordingClient({ indexName: "AWS_Things", indexStatus: "ACTIVE" });
    await expect(client.send(new DescribeIndexCommand({ indexName: "AWS_Things" }))).resolves.toMatchObject({
      indexStatus: "ACTIVE",
    });
    expect(requests).toEqual([{ method: "GET", path: "/indices/AWS_Things", body: undefined }]);
  });
});
