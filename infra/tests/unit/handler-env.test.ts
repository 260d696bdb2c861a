import type { PackageManifest } from "@fleet/manifest";
import { describe, expect, it } from "@jest/globals";
import { handlerEnvironment, missingRequired, settingsProblems } from "../../src/handler-env";

const spec = {
  entry: "src/handlers/a.ts",
  description: "a",
  timeoutSeconds: 10,
  memoryMb: 128,
  env: {
    BUCKET: { required: true, description: "bucket" },
    RATE: { required: false, description: "rate" },
  },
};
const manifest: PackageManifest = {
  name: "demo",
  packageDir: "packages/demo",
  resources: {},
  handlers: { a: spec },
  stateMachines: {},
};

describe("handlerEnvironment", () => {
  it("gives a handler exactly the variables it declares that have values", () => {
    expect(handlerEnvironment(spec, { BUCKET: "b", OTHER: "x" })).toEqual({ BUCKET: "b" });
    expect(handlerEnvironment(spec, { BUCKET: "b", RATE: "5" })).toEqual({ BUCKET: "b", RATE: "5" });
  });
});

describe("missingRequired", () => {
  it("names required variables without a value, not optional ones", () => {
    expect(missingRequired(spec, { RATE: "5" })).toEqual(["BUCKET"]);
    expect(missingRequired(spec, { BUCKET: "b" })).toEqual([]);
  });
});

describe("settingsProblems", () => {
  it("flags a setting no handler reads (a typo) and one infra supplies", () => {
    expect(settingsProblems(manifest, ["RATE", "RAET", "BUCKET"], ["BUCKET"])).toEqual([
      "RAET is read by no demo handler",
      "BUCKET is set by infra, not config",
    ]);
    expect(settingsProblems(manifest, ["RATE"], ["BUCKET"])).toEqual([]);
  });
});
