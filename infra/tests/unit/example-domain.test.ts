// Adding a domain takes one package, one component, one line where components are composed and one block of
// stack config. Here the example package of @fleet/manifest's fixtures is added to the real program exactly
// so: src/index.ts plus the component's import and one line, the dev stack's config plus one block. Every
// stack and deployment check then holds for it as for the packages of the workspace, none of them written for
// it. It owns a resource of every kind, so the checks see each kind deployed, named with the stack's prefix,
// the deploy role managing it and the roles' boundary allowing what its handlers are granted on it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bundleHandlers } from "@fleet/bundle";
import { manifest } from "@fleet/manifest/fixtures/example-domain";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { afterAll, expect, it } from "@jest/globals";
import { RESOURCE_KINDS } from "../../src/resource-kinds";
import { INFRA_DIR, PROGRAM_ENTRY } from "../../tools/program-bundle";
import { describeDeployment } from "../support/deployment-checks";
import { describeStack, workspaceManifests } from "../support/stack-checks";

const COMPONENT = path.join(INFRA_DIR, "tests/fixtures/example-domain.ts");
const ADDED = [
  `import { ExampleDomain } from "${COMPONENT}";`,
  'export const exampleDomain = new ExampleDomain("example-domain", domain("exampleDomain"), opts).outputs;',
];

// The package is built as `pnpm build` builds every package: its handlers' bundles are deployed and read.
await bundleHandlers(manifest, path.join(findRepoRoot(INFRA_DIR), manifest.packageDir));

// The program's own imports are relative to src/; the copy lives beside the tests (jest compiles no file
// under node_modules), so they are made absolute.
const workDir = mkdtempSync(path.join(INFRA_DIR, "tests", ".program-"));
const program = path.join(workDir, "index.ts");
const source = readFileSync(PROGRAM_ENTRY, "utf8").replaceAll(
  'from "./',
  `from "${path.dirname(PROGRAM_ENTRY)}/`,
);
writeFileSync(program, `${ADDED[0]}\n${source}${ADDED[1]}\n`);
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const extraConfig = { "fleet:exampleDomain": JSON.stringify({ rates: {}, settings: {} }) };
describeStack({ stack: "dev", manifests: [...(await workspaceManifests()), manifest], program, extraConfig });
describeDeployment("dev", program, extraConfig);

it("the example package owns a resource of every kind", () => {
  const kinds = new Set(Object.values(manifest.resources).map((resource) => resource.kind));
  expect([...kinds].sort()).toEqual(Object.keys(RESOURCE_KINDS).sort());
});
