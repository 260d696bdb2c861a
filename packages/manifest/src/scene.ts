// A scene: one package's part of `./run demo`. The package says what to show (steps, checks, figures); the
// local app provides the stage: the emulator, the local stack provisioned from the package's manifest, the
// package's handlers and state machines run in-process, the reporter, timing and the summary.
import type { PackageManifest } from "./manifest";

export type SceneOptions = Record<string, number | string>;

export interface SceneOption<T extends number | string> {
  description: string;
  /** Also the option's type: a number option takes integers. */
  default: T;
}

export interface Scene<O extends SceneOptions = SceneOptions> {
  /** The package shown; the local stack is provisioned from its manifest. */
  manifest: PackageManifest;
  /**
   * The scene's name on the command line (`./run demo <name>`) and in the summary; default the package's name.
   * A package with a second scene names it.
   */
  name?: string;
  /** What the scene shows, in a few words; printed after the package's name. */
  title: string;
  /** The scene's command-line options (`./run demo <package> --<name> <value>`). */
  options: { [K in keyof O]: SceneOption<O[K]> };
  /** Problems of a combination of options, each naming the option; empty when the scene can run with them. */
  optionProblems?(options: O): string[];
  play(stage: Stage, options: O): Promise<void>;
}

/** A figure of the summary: read from the emulator's state (or a handler's answer about it), never an option. */
export type Figure = number | string;

/** Replaces the handler a state calls, for an AWS feature the emulator lacks; gets the task's payload. */
export type Substitute = (payload: unknown) => Promise<unknown>;

export interface Stage {
  /** The handlers' environment in the local stack: each variable carrying a resource → its local value. */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Every resource and state machine of the manifest → its local value (a bucket or table name, a topic or
   * state machine ARN, a queue URL), including those no handler's variable carries.
   */
  readonly resources: Readonly<Record<string, string>>;
  /** Invokes one of the package's handlers in this process, as Lambda would. */
  invoke<R = unknown>(handler: string, event: unknown): Promise<R>;
  /** Invokes a resumable handler again with its cursor until it reports done; returns every run's result. */
  untilDone<R extends { done?: boolean; cursor?: unknown }>(
    handler: string,
    event: Record<string, unknown>,
  ): Promise<R[]>;
  /** Runs one of the package's state machines in this process, each task calling the real handler. */
  runStateMachine(
    name: string,
    input: unknown,
    options?: { substitutes?: Record<string, Substitute> },
  ): Promise<unknown>;
  /** A heading: the scene moves on to its next step. */
  step(title: string): void;
  info(line: string): void;
  /** A feature the emulator lacks, and what is verified instead: one plain line. */
  limitation(line: string): void;
  /**
   * Times `work` for the summary, then counts what it handled with `count`, off the clock and in the emulator
   * (things that exist, items in a table): a rate is never computed from what was asked for.
   */
  measure<T>(
    label: string,
    work: () => Promise<T>,
    count: (result: T) => Promise<number> | number,
  ): Promise<{ result: T; items: number }>;
  check(name: string, ok: boolean, detail: string): void;
  figure(label: string, value: Figure): void;
}

/** The name `./run demo` knows a scene by. */
export const sceneName = (scene: Scene): string => scene.name ?? scene.manifest.name;
