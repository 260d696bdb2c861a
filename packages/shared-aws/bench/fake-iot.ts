// A fake IoT control plane on 127.0.0.1 that enforces a quota the way AWS does: a token bucket per API,
// and above it HTTP 400 ThrottlingException. It speaks CreateThing well enough for the real SDK client.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { TokenBucket } from "../src/testing";

export interface FakeIot {
  endpoint: string;
  bucket: TokenBucket;
  /** Distinct things created, and how often each was created (must be once). */
  created: Map<string, number>;
  close(): Promise<void>;
}

export async function startFakeIot(rate: number, latencyMs: [number, number] = [3, 12]): Promise<FakeIot> {
  const bucket = new TokenBucket(rate);
  const created = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const delay = latencyMs[0] + Math.random() * (latencyMs[1] - latencyMs[0]);
      setTimeout(() => {
        const match = /^\/things\/([^/?]+)/.exec(req.url ?? "");
        if (req.method !== "POST" || !match) {
          res.writeHead(404, {
            "content-type": "application/json",
            "x-amzn-ErrorType": "ResourceNotFoundException",
          });
          res.end(JSON.stringify({ message: `no route ${req.method} ${req.url}` }));
          return;
        }
        if (!bucket.take()) {
          res.writeHead(400, {
            "content-type": "application/json",
            "x-amzn-ErrorType": "ThrottlingException",
          });
          res.end(JSON.stringify({ message: "Rate exceeded" }));
          return;
        }
        const thingName = decodeURIComponent(match[1] as string);
        created.set(thingName, (created.get(thingName) ?? 0) + 1);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            thingName,
            thingArn: `arn:aws:iot:us-east-1:000000000000:thing/${thingName}`,
            thingId: thingName,
          }),
        );
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    created,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
