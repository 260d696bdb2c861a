// The demo inside the test suite: every package's scene through the same runner `./run demo` uses, the
// jobs-targeting walkthrough with fewer things, ota-deploy's ota-watch with a small fleet, and the example package
// of @fleet/manifest's fixtures beside them, which the runner knows nothing about but its manifest and scene.
import { scenes as exampleScenes } from "@fleet/manifest/fixtures/example-domain/scene";
import { describe, expect, it } from "@jest/globals";
import { allScenes } from "../../src/domains";
import { sceneRuns } from "../../src/scene-options";
import { playScenes, type Reporter } from "../../src/scenes";

/** Each scene's limitation lines, by the scene's heading. */
const limitations = new Map<string, string[]>();
let playing = "";
const quiet: Reporter = {
  scene: (title) => {
    playing = title;
  },
  step() {},
  info() {},
  limitation: (line) => limitations.set(playing, [...(limitations.get(playing) ?? []), line]),
  progress() {},
  check() {},
};

describe("./run demo, every scene in one emulator", () => {
  it("plays the jobs-targeting walkthrough, ota-watch and the example scene, each measured in the emulator", async () => {
    const walkthrough = sceneRuns(await allScenes(), [
      "jobs-targeting",
      "--things",
      "60",
      "--excluded",
      "18",
      "--prefix",
      "demoTest",
      "--job-name",
      "demoTestJob",
      "--list-key",
      "demo-test-exclude.csv",
    ]);
    const watch = sceneRuns(await allScenes(), [
      "ota-watch",
      "--devices",
      "12",
      "--slow-percent",
      "25",
      "--failing",
      "2",
      "--offline",
      "1",
      "--deployers",
      "3",
    ]);
    const [jobs, watched, files] = await playScenes(
      [...walkthrough, ...watch, ...exampleScenes.map((scene) => ({ scene, options: { files: 4 } }))],
      quiet,
    );

    expect(jobs?.error).toBeUndefined();
    expect(jobs?.checks.filter((c) => !c.ok)).toEqual([]);
    expect(jobs?.checks.map((c) => c.name)).toEqual([
      "every targeted device got the fast-track write",
      "no excluded device got it",
      "the exclude group holds the list",
      "preview counted the same targets",
      "the job is CONTINUOUS on the target group at 1000/min",
      "teardown left nothing behind",
    ]);
    expect(Object.fromEntries(jobs?.figures.map((f) => [f.label, f.value]) ?? [])).toEqual({
      "things seeded": 60,
      preview: "42 targeted, 18 excluded",
      "exclude group members": 18,
      "fast-tracked": 42,
      // A CONTINUOUS job stays open for devices that join its group later.
      "job status": expect.stringMatching(/^(QUEUED|IN_PROGRESS)$/),
    });
    expect(jobs?.timings.map((t) => [t.label, t.items])).toEqual([
      ["seed", 60],
      ["state machine", 60],
      ["verify shadows", 60],
      ["teardown", 60],
    ]);
    // Each feature the emulator lacks is said in one plain line.
    expect(limitations.get(`jobs-targeting: ${jobs?.title}`)).toHaveLength(3);

    // The scheduled rollout: claimed once, its slow downloads breach the round's alarm, the force stopper
    // cancels the job (the offline device keeps it open until then), the round fails and its alarms are deleted.
    expect(watched?.error).toBeUndefined();
    expect(watched?.checks.filter((c) => !c.ok)).toEqual([]);
    expect(watched?.checks).toHaveLength(14);
    const figures = Object.fromEntries(watched?.figures.map((f) => [f.label, f.value]) ?? []);
    expect(figures).toMatchObject({
      devices: 12,
      failed: 2,
      "alarm state": "ALARM",
      "job status": "CANCELED FORCE_STOPPED_BY_ALARM",
      "e-mails sent": 2,
      "deploy execution": "failed: RoundFailed",
      "schedule status": "Deployed",
    });
    expect(Number(figures.succeeded) + Number(figures.failed) + Number(figures.canceled)).toBe(12);
    expect(figures.canceled).toBeGreaterThanOrEqual(1);
    expect(figures["downloadTime p99 (s)"]).toBeGreaterThan(600);

    expect(files).toMatchObject({
      scene: "example-domain",
      figures: [
        { label: "files recorded", value: 4 },
        { label: "notices delivered", value: 4 },
        { label: "files queued", value: 4 },
      ],
    });
    expect(files?.error).toBeUndefined();
    expect(files?.checks).toEqual([
      { name: "every uploaded file is in the ledger", ok: true, detail: "4 of 4" },
      { name: "the topic announced every file", ok: true, detail: "4 of 4" },
      { name: "the outbox holds every file", ok: true, detail: "4 of 4" },
    ]);
  });
});
