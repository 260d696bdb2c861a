// A fleet of simulated devices for tests, the demo and benchmarks: each takes its pending job executions from
// the emulator's jobs data plane (moto_extension.py) and answers as a real device would — IN_PROGRESS, then
// SUCCEEDED / FAILED / REJECTED with `downloadTime` in its status details — or takes the job and never answers
// (the in-progress timeout ends it), or never takes it at all. Outcomes and download times come from a seeded
// generator: the same seed gives the same fleet.
import { CreateThingCommand, IoTClient, UpdateEventConfigurationsCommand } from "@aws-sdk/client-iot";
import {
  IoTJobsDataPlaneClient,
  type JobExecutionStatus,
  StartNextPendingJobExecutionCommand,
  UpdateJobExecutionCommand,
} from "@aws-sdk/client-iot-jobs-data-plane";

export type DeviceBehaviour = "succeed" | "fail" | "reject" | "timeout" | "ignore";

export interface FleetOptions {
  count: number;
  prefix?: string;
  /** Share of each behaviour (normalised); the rest succeed. E.g. { fail: 0.1, timeout: 0.02 }. */
  mix?: Partial<Record<DeviceBehaviour, number>>;
  /** Behaviours of named devices, over the mix. */
  overrides?: Record<string, DeviceBehaviour>;
  /** Simulated download time in seconds, uniform in [min, max]. */
  downloadSeconds?: { min: number; max: number };
  /** Wall-clock milliseconds per simulated second (default 1: a 60 s download takes 60 ms). */
  msPerSecond?: number;
  /** How often an idle device asks for its next job, in ms (default 50). */
  pollMs?: number;
  seed?: number;
}

export interface DeviceReport {
  thingName: string;
  jobId: string;
  status: string;
  downloadTime?: number;
}

/** mulberry32: small, fast and seedable, enough to make a fleet reproducible. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener("abort", stop, { once: true });
  });

const TERMINAL_STATUS: Partial<Record<DeviceBehaviour, JobExecutionStatus>> = {
  succeed: "SUCCEEDED",
  fail: "FAILED",
  reject: "REJECTED",
};

export class SimulatedFleet {
  readonly things: string[];
  readonly behaviour = new Map<string, DeviceBehaviour>();
  readonly downloadSeconds = new Map<string, number>();
  /** Every terminal answer a device sent, in order. */
  readonly reports: DeviceReport[] = [];
  private readonly jobs = new IoTJobsDataPlaneClient({});
  private readonly iot = new IoTClient({});
  private controller: AbortController | undefined;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: FleetOptions) {
    const random = seededRandom(options.seed ?? 1);
    const prefix = options.prefix ?? "simDevice";
    this.things = Array.from({ length: options.count }, (_, i) => `${prefix}${i}`);
    const mix = Object.entries(options.mix ?? {}) as [DeviceBehaviour, number][];
    const { min, max } = options.downloadSeconds ?? { min: 30, max: 120 };
    for (const thing of this.things) {
      let draw = random();
      let chosen: DeviceBehaviour = "succeed";
      for (const [behaviour, share] of mix) {
        if (draw < share) {
          chosen = behaviour;
          break;
        }
        draw -= share;
      }
      this.behaviour.set(thing, options.overrides?.[thing] ?? chosen);
      this.downloadSeconds.set(thing, Math.round(min + random() * (max - min)));
    }
  }

  /** Registers every device as a thing (CreateThing is idempotent for the same name). */
  async provision(): Promise<void> {
    for (const thingName of this.things) await this.iot.send(new CreateThingCommand({ thingName }));
  }

  /** Devices start asking for jobs; `stop()` ends it. */
  start(): void {
    this.controller = new AbortController();
    const { signal } = this.controller;
    this.loops = this.things
      .filter((thing) => this.behaviour.get(thing) !== "ignore")
      .map((thing) => this.device(thing, signal));
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await Promise.all(this.loops);
  }

  /** Names of devices with the given behaviour. */
  devices(behaviour: DeviceBehaviour): string[] {
    return this.things.filter((thing) => this.behaviour.get(thing) === behaviour);
  }

  private async device(thingName: string, signal: AbortSignal): Promise<void> {
    const pollMs = this.options.pollMs ?? 50;
    const msPerSecond = this.options.msPerSecond ?? 1;
    const behaviour = this.behaviour.get(thingName) as DeviceBehaviour;
    const downloadTime = this.downloadSeconds.get(thingName) as number;
    const started = new Set<string>();
    while (!signal.aborted) {
      try {
        const { execution } = await this.jobs.send(
          new StartNextPendingJobExecutionCommand({ thingName, statusDetails: { step: "downloading" } }),
          { abortSignal: signal },
        );
        const jobId = execution?.jobId;
        // An execution is known by its job and when it was queued: a job deleted and created again under the same
        // id is a new one. A device that times out keeps its job IN_PROGRESS and says nothing more about it.
        const key = `${jobId}@${execution?.queuedAt}`;
        if (!jobId || started.has(key)) {
          await sleep(pollMs, signal);
          continue;
        }
        started.add(key);
        const status = TERMINAL_STATUS[behaviour];
        if (!status) continue;
        await sleep(downloadTime * msPerSecond, signal);
        if (signal.aborted) return;
        await this.jobs.send(
          new UpdateJobExecutionCommand({
            thingName,
            jobId,
            status,
            statusDetails: {
              downloadTime: String(downloadTime),
              ...(status === "SUCCEEDED" ? {} : { reason: `simulated ${behaviour}` }),
            },
          }),
          { abortSignal: signal },
        );
        this.reports.push({ thingName, jobId, status, downloadTime });
      } catch (error) {
        if (signal.aborted) return;
        // The job was cancelled or deleted under the device (InvalidStateTransition, NotFound): ask again.
        if (!/InvalidStateTransition|ResourceNotFound|VersionConflict/.test((error as Error).name))
          throw error;
        await sleep(pollMs, signal);
      }
    }
  }
}

/**
 * Turns job and job-execution events on (UpdateEventConfigurations), as part 2's infra does for an account:
 * like AWS, the emulator publishes none until then.
 */
export async function enableJobEvents(iot: IoTClient = new IoTClient({})): Promise<void> {
  await iot.send(
    new UpdateEventConfigurationsCommand({
      eventConfigurations: { JOB: { Enabled: true }, JOB_EXECUTION: { Enabled: true } },
    }),
  );
}

/** The emulator's record of `$aws/events/job…` events, oldest first. */
export async function jobEvents(
  endpoint: string,
  jobId?: string,
): Promise<{ topic: string; payload: Record<string, unknown> }[]> {
  const query = jobId ? `?jobId=${encodeURIComponent(jobId)}` : "";
  const res = await fetch(`${endpoint}/moto-ext/iot/events${query}`);
  if (!res.ok) throw new Error(`reading job events failed: HTTP ${res.status}`);
  return ((await res.json()) as { events: { topic: string; payload: Record<string, unknown> }[] }).events;
}

/** How many seconds one minute of a job's in-progress timeout lasts in the emulator (AWS: 60). */
export async function setTimeoutMinute(endpoint: string, secondsPerMinute: number): Promise<void> {
  const res = await fetch(`${endpoint}/moto-ext/iot/settings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ secondsPerMinute }),
  });
  if (!res.ok) throw new Error(`emulator settings failed: HTTP ${res.status}`);
}
