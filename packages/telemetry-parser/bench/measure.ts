// One invocation over one batch, in a process of its own so that its peak memory is its own: the event is read
// from the file the parent wrote and parsed, as the Lambda runtime hands it over, then the handler runs —
// `transform`, the `bare` loop, or `noop` (answers nothing: the memory of handing the event over) — and its answer
// is serialised and written out as the runtime does. Prints the process's peak RSS (Linux VmHWM, what Lambda
// reports as Max Memory Used) once the handler returned and once the answer was serialised; the parent subtracts
// the no-op's. With `speed`, the throughput of the transformation and of the bare loop over the same batch,
// in blocks, instead (CPU time; wall time beside it). Prints one JSON line.
import { readFileSync } from "node:fs";
import { transformer } from "../src/core/transform";
import { BENCH_CONFIG, bareLoop, makeBatch } from "./batch";

const [file = "", mode = "speed"] = [process.argv[2], process.argv[3]];
const transform = transformer(BENCH_CONFIG);
const mb = (bytes: number) => bytes / 1024 / 1024;
const peakRssMb = () =>
  Number(readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+) kB/)?.[1]) / 1024;

// A small batch first, so that code is compiled and loaded as in a warm container.
transform(makeBatch(0.05).event.records);
const { event, eventBytes } = (() => {
  const json = readFileSync(file, "utf8");
  return { event: JSON.parse(json) as ReturnType<typeof makeBatch>["event"], eventBytes: json.length };
})();

if (mode !== "speed") {
  const handlers: Record<string, () => { records: unknown[]; summary?: object }> = {
    noop: () => ({ records: [] }),
    bare: () => ({ records: bareLoop(event.records) }),
    transform: () => transform(event.records),
  };
  const handler = handlers[mode];
  if (!handler) throw new Error(`mode ${mode}: noop, bare, transform or speed`);
  const { records, summary } = handler();
  const returned = peakRssMb();
  const { failures: _, ...counts } = (summary ?? {}) as { failures?: unknown };
  // The runtime serialises the answer and writes it out (which flattens the serialiser's parts).
  const responseBytes = Buffer.byteLength(JSON.stringify({ records }));
  console.log(JSON.stringify({ eventBytes, responseBytes, ...counts, returned, served: peakRssMb() }));
  process.exit(0);
}

// CPU time of this process (GC threads included) and wall time, per run: on a shared machine the wall clock
// also counts the time other processes had the CPU; the ratio is taken from CPU time, the wall's printed beside.
const time = (work: () => unknown) => {
  const cpu = process.cpuUsage();
  const started = performance.now();
  work();
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000, wall };
};
type Runs = Record<"transform" | "bare", Array<{ cpu: number; wall: number }>>;
const work = { transform: () => transform(event.records), bare: () => bareLoop(event.records) };
// Blocks of runs of each loop in turn, a collection before each block, so that each pays for its own garbage
// (run by run, one loop's garbage is partly collected while the other is timed); the blocks alternate, so both
// see the machine alike. Single runs alternated are measured too, and printed.
const blocks: Runs = { transform: [], bare: [] };
const alternated: Runs = { transform: [], bare: [] };
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error("run with node --expose-gc: each block of runs starts after a collection");
const until = performance.now() + Number(process.env.BENCH_SECONDS ?? 6) * 1000;
while (performance.now() < until || blocks.transform.length < 10) {
  for (const mode of ["transform", "bare"] as const) {
    collect();
    for (let i = 0; i < 5; i++) blocks[mode].push(time(work[mode]));
  }
  for (let i = 0; i < 2; i++)
    for (const mode of ["transform", "bare"] as const) alternated[mode].push(time(work[mode]));
}
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const of = (runs: Runs, mode: "transform" | "bare", clock: "cpu" | "wall") =>
  median(runs[mode].map((run) => run[clock]));
console.log(
  JSON.stringify({
    eventBytes,
    mbPerS: mb(eventBytes) / (of(blocks, "transform", "cpu") / 1000),
    ratio: of(blocks, "bare", "cpu") / of(blocks, "transform", "cpu"),
    wallMbPerS: mb(eventBytes) / (of(blocks, "transform", "wall") / 1000),
    wallRatio: of(blocks, "bare", "wall") / of(blocks, "transform", "wall"),
    alternatedRatio: of(alternated, "bare", "cpu") / of(alternated, "transform", "cpu"),
    runs: blocks.transform.length,
  }),
);
