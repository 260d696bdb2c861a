// The bundle the Pulumi CLI runs (dist/index.mjs), started as the CLI starts it - a Node.js process in the
// pack's folder announcing its gRPC port - and asked what the engine asks: which policies it enforces, and
// what it finds in a resource about to be created.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb.js";
import {
  AnalyzeRequest,
  AnalyzerResourceOptions,
  EnforcementLevel,
} from "@pulumi/pulumi/proto/analyzer_pb.js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb.js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb.js";
import { bundlePolicyPack, PACK_DIR } from "../../bundle";
import { FLEET_POLICIES } from "../../src/policies";

let workDir: string;
let pack: ChildProcess;
let client: AnalyzerClient;

beforeAll(async () => {
  // Inside the pack's folder, so that the bundle resolves @pulumi/* from its node_modules like dist/index.mjs.
  mkdirSync(path.join(PACK_DIR, "node_modules/.cache"), { recursive: true });
  workDir = mkdtempSync(path.join(PACK_DIR, "node_modules/.cache/pack-"));
  const bundle = path.join(workDir, "index.mjs");
  await bundlePolicyPack(bundle);
  pack = spawn(process.execPath, [bundle], { cwd: PACK_DIR, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve, reject) => {
    pack.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    pack.once("exit", (code) => reject(new Error(`the policy pack exited with ${code} before serving`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 60_000);

afterAll(() => {
  client?.close();
  pack?.kill();
  rmSync(workDir, { recursive: true, force: true });
});

const analyze = (type: string, name: string, props: Record<string, unknown>) => {
  const request = new AnalyzeRequest()
    .setType(type)
    .setName(name)
    .setUrn(`urn:pulumi:dev::fleet::${type}::${name}`)
    .setProperties(Struct.fromJavaScript(props as never))
    .setOptions(new AnalyzerResourceOptions());
  return new Promise<Array<{ policy: string; message: string }>>((resolve, reject) =>
    client.analyze(request, (error, response) =>
      error
        ? reject(error)
        : resolve(
            response
              .getDiagnosticsList()
              .map((d) => ({ policy: d.getPolicyname(), message: d.getMessage() })),
          ),
    ),
  );
};

describe("the served policy pack", () => {
  it("names its policies, each mandatory", async () => {
    const info = await new Promise<import("@pulumi/pulumi/proto/analyzer_pb.js").AnalyzerInfo>(
      (resolve, reject) =>
        client.getAnalyzerInfo(new Empty(), (error, response) => (error ? reject(error) : resolve(response))),
    );
    expect(info.getName()).toBe("fleet-floor");
    expect(info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()])).toEqual(
      FLEET_POLICIES.map((p) => [p.name, EnforcementLevel.MANDATORY]),
    );
  });

  it("reports a Lambda function on x86_64 and passes one on arm64", async () => {
    const fn = { runtime: "nodejs22.x", handler: "index.handler", role: "arn:aws:iam::123456789012:role/r" };
    expect(await analyze("aws:lambda/function:Function", "f", { ...fn, architectures: ["x86_64"] })).toEqual([
      { policy: "lambda-arm64-supported-node", message: expect.stringContaining('not ["arm64"]') },
    ]);
    expect(await analyze("aws:lambda/function:Function", "f", { ...fn, architectures: ["arm64"] })).toEqual(
      [],
    );
  });

  it("reports a role policy granting iot:*", async () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["iot:*"], Resource: ["arn:aws:iot:eu-west-1:123456789012:thing/*"] },
      ],
    });
    expect(await analyze("aws:iam/rolePolicy:RolePolicy", "p", { role: "r", policy })).toEqual([
      {
        policy: "iam-no-wildcard-actions",
        message: expect.stringContaining("grants the wildcard action iot:*"),
      },
    ]);
  });
});
