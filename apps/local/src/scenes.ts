// Plays scenes against one local AWS emulator: started once, each scene's stack provisioned from its
// package's manifest, its handlers and state machines run in this process, and what it measures and checks
// collected into one report per scene. A scene that throws is reported as failed and the next one still plays.
import { type Figure, type Scene, type SceneOptions, type Stage, sceneName } from "@fleet/manifest";
import { handlerInvoker, untilDone } from "@fleet/shared-aws/testing";
import { startEmulator } from "@fleet/testing/emulator";
import { runStateMachineLocally } from "@fleet/testing/state-machine";
import { repoRoot } from "./domains";
import { provisionLocalResources } from "./local-stack";

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Timing {
  label: string;
  /** What the timed work handled, counted in the emulator afterwards. */
  items: number;
  seconds: number;
}

export interface SceneReport {
  /** The scene's name (`./run demo <name>`). */
  scene: string;
  title: string;
  figures: { label: string; value: Figure }[];
  timings: Timing[];
  checks: Check[];
  /** Why the scene stopped before its end. */
  error?: string;
  seconds: number;
}

/** Whether the scene ran to its end with every check passed. */
export const succeeded = (report: SceneReport) => !report.error && report.checks.every((check) => check.ok);

export interface Reporter {
  scene(title: string): void;
  step(title: string): void;
  info(line: string): void;
  limitation(line: string): void;
  /** A transient line (elapsed time, the state entered), replaced by the next. */
  progress(line: string): void;
  check(check: Check): void;
}

export interface SceneRun {
  scene: Scene;
  options: SceneOptions;
}

export async function playScenes(runs: SceneRun[], reporter: Reporter): Promise<SceneReport[]> {
  reporter.step("Starting the local AWS emulator");
  const emulator = await startEmulator();
  Object.assign(process.env, emulator.env);
  process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
  reporter.info(`emulator at ${emulator.endpoint}`);
  try {
    const reports: SceneReport[] = [];
    for (const run of runs) reports.push(await playScene(run, reporter));
    return reports;
  } finally {
    await emulator.stop();
  }
}

async function playScene({ scene, options }: SceneRun, reporter: Reporter): Promise<SceneReport> {
  const { manifest } = scene;
  const started = performance.now();
  const report: SceneReport = {
    scene: sceneName(scene),
    title: scene.title,
    figures: [],
    timings: [],
    checks: [],
    seconds: 0,
  };
  reporter.scene(`${sceneName(scene)}: ${scene.title}`);
  try {
    reporter.step(`Provisioning ${manifest.name}'s local stack from its manifest`);
    const { env, resources } = await provisionLocalResources(manifest);
    Object.assign(process.env, env);
    reporter.info(
      Object.entries(env)
        .map(([name, value]) => `${name}=${value}`)
        .join(", ") || "no resources",
    );
    const invoke = handlerInvoker(manifest, repoRoot);
    const stage: Stage = {
      env,
      resources,
      invoke: (handler, event) => invoke(handler, event),
      untilDone: (handler, event) => untilDone(invoke, handler, event),
      runStateMachine: (name, input, { substitutes } = {}) => {
        const machine = manifest.stateMachines[name];
        if (!machine) throw new Error(`${manifest.name} has no state machine "${name}"`);
        return runStateMachineLocally(machine.definition, input, invoke, {
          substitutes,
          onEvent: (event) => {
            if (event.type === "StateEntered" && event.state) reporter.progress(`state ${event.state}`);
          },
        });
      },
      step: (title) => reporter.step(title),
      info: (line) => reporter.info(line),
      limitation: (line) => reporter.limitation(line),
      measure: async (label, work, count) => {
        const begun = performance.now();
        const ticker = setInterval(
          () => reporter.progress(`${label}… ${Math.round((performance.now() - begun) / 1000)} s`),
          2000,
        );
        let result: Awaited<ReturnType<typeof work>>;
        try {
          result = await work();
        } finally {
          clearInterval(ticker);
        }
        const seconds = (performance.now() - begun) / 1000;
        const items = await count(result);
        report.timings.push({ label, items, seconds });
        return { result, items };
      },
      check: (name, ok, detail) => {
        const check = { name, ok, detail };
        report.checks.push(check);
        reporter.check(check);
      },
      figure: (label, value) => {
        report.figures.push({ label, value });
      },
    };
    await scene.play(stage, options);
  } catch (error) {
    report.error = (error as Error).message;
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
