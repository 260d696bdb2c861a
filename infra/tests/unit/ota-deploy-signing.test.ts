// OtaDeploy in a stack that signs releases (prod): the OTA role IoT assumes only reads firmware objects; the
// signing key is an asymmetric ECC P-256 key for signing only, tagged as the environment's; only the release
// function knows it and may sign with it (only with keys carrying that tag); deploy-round may pass the OTA role
// to IoT and nothing else.
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { RecordedResource } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";

let synthesis: Synthesis;
beforeAll(async () => {
  synthesis = await synthesize("prod");
});

const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type);
const named = (type: string, name: string) => ofType(type).find((r) => r.name === name) as RecordedResource;
const json = (value: unknown) => JSON.parse(String(value));
const variablesOf = (handler: string) =>
  (
    named("aws:lambda/function:Function", `fleet-prod-ota-deploy-${handler}`).inputs.environment as {
      variables: Record<string, string>;
    }
  ).variables;
const statementsOf = (handler: string) =>
  json(named("aws:iam/rolePolicy:RolePolicy", `fleet-prod-ota-deploy-${handler}-policy`).inputs.policy)
    .Statement as {
    Action: string[];
    Resource: string[];
    Condition?: unknown;
  }[];

describe("OtaDeploy with signing (prod)", () => {
  it("creates an asymmetric ECC P-256 signing key, tagged as the environment's", () => {
    const [key] = ofType("aws:kms/key:Key");
    expect(key?.inputs).toMatchObject({
      customerMasterKeySpec: "ECC_NIST_P256",
      keyUsage: "SIGN_VERIFY",
      tags: { "fleet-signing": "fleet-prod-ota-deploy" },
    });
    expect(key?.options.protect).toBe(true);
  });

  it("keeps the firmware bucket's replaced or deleted versions for the stack's noncurrentVersionDays (prod: 365)", () => {
    const lifecycle = synthesis.resources.find(
      (r) =>
        r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration" &&
        r.name.startsWith("fleet-prod-ota-deploy-firmware"),
    ) as RecordedResource;
    expect(lifecycle.inputs.rules).toEqual([
      expect.objectContaining({ noncurrentVersionExpiration: { noncurrentDays: 365 } }),
    ]);
  });

  it("gives the OTA role to IoT only, reading firmware objects only", () => {
    const role = named("aws:iam/role:Role", "fleet-prod-ota-deploy-iot");
    expect(json(role.inputs.assumeRolePolicy).Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "iot.amazonaws.com" }, Action: ["sts:AssumeRole"] },
    ]);
    const policy = json(
      named("aws:iam/rolePolicy:RolePolicy", "fleet-prod-ota-deploy-iot-read").inputs.policy,
    );
    expect(policy.Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: [
          expect.stringMatching(/^arn:aws:s3:::fleet-prod-ota-deploy-firmware-[0-9a-f]+\/firmware\/\*$/),
        ],
      },
    ]);
  });

  it("tells the release function the signing key and the planner the OTA role", () => {
    expect(variablesOf("release").SIGNING_KEY_ID).toEqual(expect.any(String));
    expect(variablesOf("plan-deployment").OTA_ROLE_ARN).toBe(
      "arn:aws:iam::123456789012:role/fleet/prod/fleet-prod-ota-deploy-iot",
    );
    for (const handler of [
      "plan-deployment",
      "deploy-round",
      "round-status",
      "clean-up",
      "fill-target-group",
    ]) {
      expect(variablesOf(handler).SIGNING_KEY_ID).toBeUndefined();
    }
  });

  it("lets only the release function sign, only with the environment's tagged keys", () => {
    for (const handler of [
      "release",
      "plan-deployment",
      "deploy-round",
      "round-status",
      "clean-up",
      "fill-target-group",
    ]) {
      const signing = statementsOf(handler).filter((s) => s.Action.some((a) => a.startsWith("kms:")));
      if (handler !== "release") {
        expect(signing).toEqual([]);
        continue;
      }
      expect(signing).toEqual([
        {
          Effect: "Allow",
          Action: ["kms:Sign"],
          Resource: ["arn:aws:kms:eu-west-1:123456789012:key/*"],
          Condition: { StringEquals: { "aws:ResourceTag/fleet-signing": "fleet-prod-ota-deploy" } },
        },
      ]);
    }
  });

  it("lets only deploy-round pass a role, only the OTA role, only to IoT", () => {
    const passing = [
      "release",
      "plan-deployment",
      "deploy-round",
      "round-status",
      "clean-up",
      "fill-target-group",
    ].flatMap((handler) =>
      statementsOf(handler)
        .filter((s) => s.Action.includes("iam:PassRole"))
        .map((s) => ({ handler, ...s })),
    );
    expect(passing).toEqual([
      {
        handler: "deploy-round",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: ["arn:aws:iam::123456789012:role/fleet/prod/fleet-prod-ota-deploy-iot"],
        Condition: { StringEquals: { "iam:PassedToService": "iot.amazonaws.com" } },
      },
    ]);
  });
});
