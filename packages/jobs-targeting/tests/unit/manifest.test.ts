import { existsSync } from "node:fs";
import path from "node:path";
import { handlerResources, manifestProblems, resourceVariables } from "@fleet/manifest";
import { ConfigError } from "@fleet/shared-aws";
import { describe, expect, it } from "@jest/globals";
import { HANDLER_VARS, type HandlerName, handlerConfig } from "../../src/config";
import { manifest } from "../../src/index";

const packageDir = path.resolve(import.meta.dirname, "../..");
const names = Object.keys(HANDLER_VARS) as HandlerName[];

describe("manifest", () => {
  it("names the package and every handler, each with an entry file, a Lambda-sized timeout and memory", () => {
    expect(manifest.name).toBe("jobs-targeting");
    expect(manifest.packageDir).toBe("packages/jobs-targeting");
    expect(Object.keys(manifest.handlers).sort()).toEqual([...names].sort());
    for (const [name, spec] of Object.entries(manifest.handlers)) {
      expect(existsSync(path.join(packageDir, spec.entry))).toBe(true);
      expect(spec.entry).toBe(`src/handlers/${name}.ts`);
      expect(spec.timeoutSeconds).toBeGreaterThan(0);
      expect(spec.timeoutSeconds).toBeLessThanOrEqual(900);
      expect(spec.memoryMb).toBeGreaterThanOrEqual(128);
    }
  });

  it("declares exactly the variables each handler reads: the required ones fail its cold start when unset", () => {
    for (const name of names) {
      const env = manifest.handlers[name]?.env ?? {};
      expect(Object.keys(env).sort()).toEqual([...HANDLER_VARS[name]].sort());
      const required = Object.entries(env)
        .filter(([, spec]) => spec.required)
        .map(([key]) => key);
      const values = Object.fromEntries(
        required.map((key) => [
          key,
          key === "STATE_MACHINE_ARN" ? "arn:aws:states:us-east-1:000000000000:stateMachine:s" : "x",
        ]),
      );
      expect(() => handlerConfig(name, values)).not.toThrow();
      for (const key of required) {
        const { [key]: _, ...without } = values;
        expect(() => handlerConfig(name, without)).toThrow(ConfigError);
        expect(() => handlerConfig(name, without)).toThrow(`${key} is required but not set`);
      }
    }
  });

  it("reads rates as configuration with AWS's default quotas, and refuses a malformed one", () => {
    const config = handlerConfig("fast-track", { LISTS_BUCKET: "b" });
    expect(config).toMatchObject({ SEARCH_INDEX_RATE: 15, SHADOW_UPDATE_RATE: 400, CONCURRENCY: 32 });
    expect(handlerConfig("seed-things", { CREATE_THING_RATE: "250" }).CREATE_THING_RATE).toBe(250);
    expect(() => handlerConfig("seed-things", { CREATE_THING_RATE: "fast" })).toThrow(
      /CREATE_THING_RATE must be a number/,
    );
  });

  it("owns the lists bucket; says which handlers use it and the state machine, and through which variable", () => {
    expect(manifestProblems(manifest)).toEqual([]);
    expect(manifest.resources).toEqual({ lists: expect.objectContaining({ kind: "bucket" }) });
    expect(resourceVariables(manifest)).toEqual({ LISTS_BUCKET: "lists", STATE_MACHINE_ARN: "targeted-job" });
    const users = (resource: string) =>
      Object.entries(manifest.handlers)
        .filter(([, spec]) => handlerResources(spec).includes(resource))
        .map(([name]) => name)
        .sort();
    // create-job names a job document in the bucket, which IoT reads with create-job's credentials.
    expect(users("lists")).toEqual([
      "create-job",
      "fast-track",
      "fill-exclude-group",
      "preview",
      "start-targeted-job",
    ]);
    expect(users("targeted-job")).toEqual(["start-targeted-job", "teardown"]);
  });

  it("ships the state machine definition", () => {
    expect(manifest.stateMachines["targeted-job"]?.definition).toMatchObject({ StartAt: "Init" });
  });
});
