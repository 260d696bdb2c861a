import { manifest } from "@fleet/jobs-targeting";
import { describe, expect, it } from "@jest/globals";
import { boundedRoleUnderPath, parseDeploymentConfig } from "../../src/deployment";
import { protectStatefulResources } from "../../src/protection";
import { deployedManifest, testFleetHandlers } from "../../src/test-fleet";
import { INFRA_DIR } from "../../tools/program-bundle";
import { stackNames } from "../../tools/stack-config";
import { deploymentOf } from "../support/deployment-checks";

const valid = {
  protect: false,
  testFleetTools: true,
  iot: { thingNamePrefix: "fleet-test-dev-", groupNamePrefix: "fleet-dev-" },
};

describe("fleet:deployment", () => {
  it.each(stackNames(INFRA_DIR))(
    "of Pulumi.%s.yaml is valid; the roles' path and name prefix follow the stack",
    (stack) => {
      expect(deploymentOf(stack)).toEqual(
        expect.objectContaining({ iamRolePath: `/fleet/${stack}/`, namePrefix: `fleet-${stack}-` }),
      );
    },
  );

  it("protects staging and prod, and leaves the test-fleet tools out of prod", () => {
    expect(["staging", "prod"].map((stack) => deploymentOf(stack).protect)).toEqual([true, true]);
    expect(deploymentOf("prod").testFleetTools).toBe(false);
  });

  it("reports every problem at once", () => {
    expect(() =>
      parseDeploymentConfig(
        {
          iamRolePath: "/fleet/dev/",
          protect: "yes",
          iot: { thingNamePrefix: "", groupNamePrefix: "fleet-staging-" },
          protection: true,
        },
        "dev",
      ),
    ).toThrow(
      new Error(
        [
          "Invalid stack configuration: fleet:deployment.iamRolePath is derived from the stack's name (/fleet/dev/): remove it",
          "fleet:deployment.protection is not a setting (protect, testFleetTools, iot)",
          "fleet:deployment.protect must be true or false",
          "fleet:deployment.testFleetTools must be true or false",
          "fleet:deployment.iot.thingNamePrefix must be 1-64 characters of a-z, A-Z, 0-9, :, _ and -",
          "fleet:deployment.iot.groupNamePrefix must start with fleet-dev-, the names this stack's roles may reach",
        ].join("; "),
      ),
    );
    expect(() => parseDeploymentConfig(undefined, "dev")).toThrow("fleet:deployment must be a map");
    expect(parseDeploymentConfig(valid, "dev")).toEqual({
      ...valid,
      iamRolePath: "/fleet/dev/",
      namePrefix: "fleet-dev-",
    });
  });
});

describe("the deployment's transforms", () => {
  const args = (type: string, custom = true) => ({
    type,
    name: "x",
    custom,
    props: { a: 1 },
    opts: { parent: undefined },
  });

  it("put every role, and nothing else, under the IAM path with the permissions boundary", () => {
    const boundary = "arn:aws:iam::123456789012:policy/fleet/dev/fleet-dev-workload-boundary";
    expect(boundedRoleUnderPath("/fleet/dev/", boundary)(args("aws:iam/role:Role"))).toEqual({
      props: { a: 1, path: "/fleet/dev/", permissionsBoundary: boundary },
      opts: { parent: undefined },
    });
    expect(
      boundedRoleUnderPath("/fleet/dev/", boundary)(args("aws:iam/rolePolicy:RolePolicy")),
    ).toBeUndefined();
  });

  it("protect and retain each resource as its type's class says, and refuse a type nobody classified", () => {
    expect(protectStatefulResources(args("aws:s3/bucket:Bucket"))).toEqual({
      props: { a: 1 },
      opts: { parent: undefined, protect: true, retainOnDelete: true },
    });
    // A bucket's safeguards go with it.
    expect(protectStatefulResources(args("aws:s3/bucketVersioning:BucketVersioning"))).toEqual({
      props: { a: 1 },
      opts: { parent: undefined, protect: true, retainOnDelete: true },
    });
    expect(protectStatefulResources(args("aws:sfn/stateMachine:StateMachine"))).toEqual({
      props: { a: 1 },
      opts: { parent: undefined, protect: true },
    });
    expect(protectStatefulResources(args("aws:cloudwatch/logGroup:LogGroup"))).toEqual({
      props: { a: 1 },
      opts: { parent: undefined, retainOnDelete: true },
    });
    // A queue's messages are data; a topic is kept for its ARN and subscriptions.
    expect(protectStatefulResources(args("aws:sqs/queue:Queue"))).toEqual({
      props: { a: 1 },
      opts: { parent: undefined, protect: true, retainOnDelete: true },
    });
    expect(protectStatefulResources(args("aws:sns/topic:Topic"))).toEqual({
      props: { a: 1 },
      opts: { parent: undefined, protect: true },
    });
    expect(protectStatefulResources(args("aws:lambda/function:Function"))).toBeUndefined();
    expect(protectStatefulResources(args("aws:s3/bucket:Bucket", false))).toBeUndefined();
    expect(() => protectStatefulResources(args("aws:kinesis/stream:Stream"))).toThrow(
      "aws:kinesis/stream:Stream is not classified in infra/src/protection.ts",
    );
  });
});

describe("deployedManifest", () => {
  it("is the whole package with test-fleet tools, and without them leaves out exactly those its manifest marks", () => {
    expect(testFleetHandlers(manifest)).toEqual(["seed-things"]);
    expect(deployedManifest(manifest, true)).toBe(manifest);
    expect(
      Object.keys(manifest.handlers).filter((h) => !(h in deployedManifest(manifest, false).handlers)),
    ).toEqual(["seed-things"]);
  });

  it("leaves a package without marked tools whole", () => {
    const handlers = Object.fromEntries(
      Object.entries(manifest.handlers).map(([name, spec]) => [name, { ...spec, testFleetTool: false }]),
    );
    expect(deployedManifest({ ...manifest, handlers }, false).handlers).toEqual(handlers);
  });
});
