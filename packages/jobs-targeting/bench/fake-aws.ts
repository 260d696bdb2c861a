// A fake of the AWS calls the paced steps make, enforcing each API's quota the way AWS does (a token bucket per
// API; above it a ThrottlingException), with network-like latency. Injected as the SDK clients' behaviour
// with aws-sdk-client-mock, so the real core code and the real paced clients run unchanged.
import {
  AddThingToThingGroupCommand,
  CreateThingCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  IoTClient,
  SearchIndexCommand,
} from "@aws-sdk/client-iot";
import { IoTDataPlaneClient, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { resourceNotFoundError, TokenBucket, throttlingError } from "@fleet/shared-aws/testing";
import { mockClient } from "aws-sdk-client-mock";

export type Api =
  | "DescribeThing"
  | "CreateThing"
  | "AddThingToThingGroup"
  | "SearchIndex"
  | "UpdateThingShadow";

export interface FakeAws {
  buckets: Record<Api, TokenBucket>;
  /** Successful calls per thing name, by API: what was done, and how often. */
  done: Record<"CreateThing" | "AddThingToThingGroup" | "UpdateThingShadow", Map<string, number>>;
  /** Things that exist (seeded, or created through the fake). */
  registry: Set<string>;
  lists: Map<string, Uint8Array>;
  restore(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function installFakeAws(quotas: Record<Api, number>, latencyMs: [number, number] = [4, 16]): FakeAws {
  const buckets = Object.fromEntries(
    Object.entries(quotas).map(([api, rate]) => [api, new TokenBucket(rate)]),
  ) as Record<Api, TokenBucket>;
  const done = { CreateThing: new Map(), AddThingToThingGroup: new Map(), UpdateThingShadow: new Map() };
  const registry = new Set<string>();
  const lists = new Map<string, Uint8Array>();
  const half = () => sleep((latencyMs[0] + Math.random() * (latencyMs[1] - latencyMs[0])) / 2);

  /** Half the latency to reach the service, the quota decision there, half the latency back. */
  const call = async <T>(api: Api, work: () => T): Promise<T> => {
    await half();
    if (!buckets[api].take()) {
      await half();
      throw throttlingError();
    }
    const result = work();
    await half();
    return result;
  };
  const record = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1);

  const iot = mockClient(IoTClient);
  iot.on(DescribeThingCommand).callsFake((input: { thingName: string }) =>
    call("DescribeThing", () => {
      if (!registry.has(input.thingName)) throw resourceNotFoundError();
      return { thingName: input.thingName };
    }),
  );
  iot.on(CreateThingCommand).callsFake((input: { thingName: string }) =>
    call("CreateThing", () => {
      registry.add(input.thingName);
      record(done.CreateThing, input.thingName);
      return { thingName: input.thingName };
    }),
  );
  iot.on(DescribeThingGroupCommand).resolves({ thingGroupName: "bench-exclude" });
  iot.on(AddThingToThingGroupCommand).callsFake((input: { thingName: string }) =>
    call("AddThingToThingGroup", () => {
      if (!registry.has(input.thingName)) throw resourceNotFoundError();
      record(done.AddThingToThingGroup, input.thingName);
      return {};
    }),
  );
  // The fleet index: every registered thing, in pages of 100 chained by a token.
  iot.on(SearchIndexCommand).callsFake((input: { nextToken?: string; maxResults?: number }) =>
    call("SearchIndex", () => {
      const names = [...registry];
      const from = Number(input.nextToken ?? 0);
      const to = from + (input.maxResults ?? 100);
      const things = names.slice(from, to).map((thingName) => ({ thingName, thingGroupNames: [] }));
      return { things, nextToken: to < names.length ? String(to) : undefined };
    }),
  );
  const data = mockClient(IoTDataPlaneClient);
  data.on(UpdateThingShadowCommand).callsFake((input: { thingName: string }) =>
    call("UpdateThingShadow", () => {
      record(done.UpdateThingShadow, input.thingName);
      return {};
    }),
  );
  const s3 = mockClient(S3Client);
  s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => ({
    ETag: '"bench"',
    ContentLength: lists.get(input.Key)?.length,
  }));
  s3.on(GetObjectCommand).callsFake((input: { Key: string; Range?: string }) => {
    const from = input.Range ? Number(/^bytes=(\d+)-$/.exec(input.Range)?.[1]) : 0;
    const object = (lists.get(input.Key) ?? new Uint8Array()).subarray(from);
    return {
      Body: (async function* () {
        yield object;
      })(),
    };
  });

  return {
    buckets,
    done,
    registry,
    lists,
    restore() {
      iot.restore();
      data.restore();
      s3.restore();
    },
  };
}
