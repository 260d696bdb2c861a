import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { findRepoRoot } from "../../src/repo-root";
import { domainPackages, loadManifests, loadScenes } from "../../src/workspace";

const repoRoot = path.resolve(import.meta.dirname, "../../../..");
const scratch = mkdtempSync(path.join(tmpdir(), "manifest-workspace-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("findRepoRoot", () => {
  it("finds the folder holding pnpm-workspace.yaml from anywhere below it", () => {
    expect(findRepoRoot(import.meta.dirname)).toBe(repoRoot);
    expect(findRepoRoot(repoRoot)).toBe(repoRoot);
  });

  it("says what it looked for when there is none", () => {
    expect(() => findRepoRoot(scratch)).toThrow(`no pnpm-workspace.yaml above ${scratch}`);
  });
});

describe("domainPackages", () => {
  it("finds each folder of packages/ exporting a manifest and a scene, and nothing else", () => {
    const root = path.join(scratch, "repo");
    const write = (folder: string, exports: Record<string, string>) => {
      mkdirSync(path.join(root, "packages", folder), { recursive: true });
      writeFileSync(path.join(root, "packages", folder, "package.json"), JSON.stringify({ exports }));
    };
    write("zeta", { ".": "./src/index.ts", "./scene": "./src/scene.ts" });
    write("alpha", { ".": "./src/index.ts", "./scene": "./src/show.ts" });
    write("library", { ".": "./src/index.ts" });
    mkdirSync(path.join(root, "packages", "notes"));
    expect(domainPackages(root)).toEqual([
      {
        dir: "packages/alpha",
        manifestModule: path.join(root, "packages/alpha/src/index.ts"),
        sceneModule: path.join(root, "packages/alpha/src/show.ts"),
      },
      {
        dir: "packages/zeta",
        manifestModule: path.join(root, "packages/zeta/src/index.ts"),
        sceneModule: path.join(root, "packages/zeta/src/scene.ts"),
      },
    ]);
  });

  it("loads each package's manifest and scenes, and names a module lacking its export", async () => {
    const root = path.join(scratch, "loading");
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    const exports = { ".": "./index.mjs", "./scene": "./scene.mjs" };
    write("packages/one/package.json", JSON.stringify({ exports }));
    write("packages/one/index.mjs", 'export const manifest = { name: "one" };\n');
    write(
      "packages/one/scene.mjs",
      'export const scenes = [{ title: "One" }, { name: "one-more", title: "One more" }];\n',
    );
    expect(await loadManifests(root)).toEqual([{ name: "one" }]);
    expect(await loadScenes(root)).toEqual([{ title: "One" }, { name: "one-more", title: "One more" }]);
    write("packages/two/package.json", JSON.stringify({ exports }));
    write("packages/two/index.mjs", "export const other = 1;\n");
    await expect(loadManifests(root)).rejects.toThrow(
      `${path.join(root, "packages/two/index.mjs")} exports no manifest`,
    );
  });
});
