// `./run invoke` with every sample event of jobs-targeting, against the emulator, as a user would run it.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { awsClient } from "@fleet/shared-aws";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { findManifest, repoRoot } from "../../src/domains";
import { provisionLocalStack } from "../../src/local-stack";

const run = promisify(execFile);
const manifest = await findManifest("jobs-targeting");
const packageDir = join(repoRoot, manifest.packageDir);
const eventsDir = join(packageDir, "events");

// The order a user would follow: seed, start jobs, run the steps by hand, tear down, delete.
// A job name has one running execution at a time: the list-less start of myFirstJob comes after its teardown.
const ORDER = [
  "seed-things.json",
  "preview.json",
  "start-targeted-job.walkthrough.json",
  "start-targeted-job.exclude-list.json",
  "start-targeted-job.rollout.json",
  "ensure-indexing.json",
  "index-status.json",
  "fill-exclude-group.json",
  "confirm-exclusions.json",
  "create-target-group.json",
  "create-job.json",
  "fast-track.json",
  "teardown.json",
  "start-targeted-job.json",
  "teardown.job-only.json",
  "seed-things.delete.json",
];
// Handlers whose one AWS call the emulator does not implement (it answers HTTP 500).
const EMULATOR_LACKS: Record<string, string> = {
  "index-status.json": "DescribeIndex",
  "create-target-group.json": "CreateDynamicThingGroup",
};

async function invoke(file: string) {
  const handler = file.split(".")[0] as string;
  try {
    const { stdout, stderr } = await run(
      join(repoRoot, "node_modules", ".bin", "tsx"),
      [
        join(repoRoot, "apps/local/src/invoke.ts"),
        `jobs-targeting/${handler}`,
        "--event",
        join(eventsDir, file),
      ],
      { env: { ...process.env, POWERTOOLS_LOG_LEVEL: "INFO" }, maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The result (or error) JSON printed after the logs. */
const resultOf = (stdout: string) => JSON.parse(stdout.slice(stdout.lastIndexOf("\n{\n") + 1));

beforeAll(async () => {
  const env = await provisionLocalStack(manifest);
  const list = readFileSync(join(packageDir, "sample-lists", "excludeMyDemoThings.csv"));
  for (const key of ["excludeMyDemoThings.csv", "excludeList.csv"]) {
    await awsClient(S3Client).send(new PutObjectCommand({ Bucket: env.LISTS_BUCKET, Key: key, Body: list }));
  }
});

describe("./run invoke jobs-targeting/<handler> --event events/<file>", () => {
  it("covers every sample event", () => {
    expect([...ORDER].sort()).toEqual(
      readdirSync(eventsDir)
        .filter((f) => f.endsWith(".json"))
        .sort(),
    );
  });

  for (const file of ORDER) {
    const lacks = EMULATOR_LACKS[file];
    const title = lacks
      ? `${file}: runs, and reports the emulator's missing ${lacks} as the handler's error`
      : `${file}: succeeds and prints the result after the logs`;
    it(title, async () => {
      const { code, stdout, stderr } = await invoke(file);
      expect(stderr).toContain("against the local AWS emulator at http://127.0.0.1:");
      const result = resultOf(stdout);
      if (lacks) {
        expect(code).toBe(1);
        expect(result.errorType).toBeDefined();
        return;
      }
      if (code !== 0) throw new Error(`${file} failed:\n${stdout}\n${stderr}`);
      expect(result.errorType).toBeUndefined();
      expect(stdout).toMatch(/"function_name":"jobs-targeting-/);
    });
  }
});
