import type { Scene } from "@fleet/manifest";
import { describe, expect, it } from "@jest/globals";
import { sceneRuns, UsageError } from "../../src/scene-options";

const scene = (name: string): Scene<{ things: number; jobName: string }> => ({
  manifest: { name, packageDir: `packages/${name}`, resources: {}, handlers: {}, stateMachines: {} },
  title: `the ${name} scene`,
  options: {
    things: { description: "things", default: 10 },
    jobName: { description: "job", default: "job" },
  },
  optionProblems: ({ things }) => (things > 0 ? [] : [`--things must be positive, got ${things}`]),
  play: async () => undefined,
});
const scenes = [scene("alpha"), scene("beta")] as Scene[];

describe("sceneRuns", () => {
  it("plays every scene with its defaults when no scene is named", () => {
    expect(sceneRuns(scenes, []).map((run) => [run.scene.manifest.name, run.options])).toEqual([
      ["alpha", { things: 10, jobName: "job" }],
      ["beta", { things: 10, jobName: "job" }],
    ]);
  });

  it("plays the named scene with its options, numbers as integers and camelCase names in kebab case", () => {
    const [run, ...others] = sceneRuns(scenes, ["beta", "--things", "200", "--job-name", "mine"]);
    expect(others).toEqual([]);
    expect(run?.scene.manifest.name).toBe("beta");
    expect(run?.options).toEqual({ things: 200, jobName: "mine" });
  });

  it("knows a package's second scene by its own name, after the package's first", () => {
    const second = { ...scene("beta"), name: "beta-watch", title: "beta, watched" } as Scene;
    const all = [...scenes, second];
    expect(sceneRuns(all, []).map((run) => run.scene.title)).toEqual([
      "the alpha scene",
      "the beta scene",
      "beta, watched",
    ]);
    expect(sceneRuns(all, ["beta-watch"]).map((run) => run.scene.title)).toEqual(["beta, watched"]);
    expect(() => sceneRuns(all, ["gamma"])).toThrow("scenes: alpha, beta, beta-watch");
  });

  it.each([
    [["gamma"], 'unknown scene "gamma"; scenes: alpha, beta'],
    [["--things", "5"], "options belong to one scene: ./run demo <scene> --things 5 (scenes: alpha, beta)"],
    [["alpha", "--things", "many"], '--things must be an integer, got "many"'],
    [["alpha", "--things", "0"], "--things must be positive, got 0"],
    [["alpha", "--thing", "5"], "Unknown option '--thing'"],
  ])("refuses %j, saying why", (args, message) => {
    expect(() => sceneRuns(scenes, args)).toThrow(UsageError);
    expect(() => sceneRuns(scenes, args)).toThrow(message);
  });
});
