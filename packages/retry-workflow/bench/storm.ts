// A storm of failures against the local emulator: DEVICES devices × 12 failures each, shuffled, 32 messages in
// flight, each delivered to the real record-outcome handler as the rule's queue would (batches of BATCH).
// Next to it, in the same run and at the same concurrency, two floors of as many DynamoDB UpdateItem calls on
// items of the same devices, in the same order: a bare `ADD` (the floor any counting design pays), and the count
// write's own expression sent alone (condition, once-per-message key set, two counters), which tells the
// emulator's cost of a conditional expression from the design's requests per message. The runs alternate
// (floor, storm, floor, storm over disjoint devices) after a warm-up of each, and each floor's rate is the mean of
// its two runs. Prints
//   BENCH retry-workflow/storm events_per_s=… ratio=… lost=… duplicated_escalations=…
//   BENCH retry-workflow/storm executions_per_message=… writes_per_message=… ratio_to_count_expression=… …
// ratio = messages recorded per second ÷ bare UpdateItem calls per second; lost = messages whose failure a
// device's record does not hold (each device compared exactly, so a double count cannot hide a lost one);
// duplicated_escalations = executions beyond one per device; every figure is read back from the emulator.
// Run: `pnpm bench` (BENCH_DEVICES sets the fleet, default 300).
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { awsClient } from "@fleet/shared-aws";
import { startEmulator } from "@fleet/testing/emulator";
import type { BatchResult } from "../src/core/record-batch";
import { inFlight, shuffled } from "../tests/support/storm";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 300);
const WARM_DEVICES = 20;
const FAILURES = 12;
const IN_FLIGHT = 32;
/** Messages a batch (the event source mapping delivers up to 10), recorded at once: IN_FLIGHT ÷ BATCH invocations. */
const BATCH = Number(process.env.BENCH_BATCH ?? 8);

const emulator = await startEmulator();
Object.assign(process.env, emulator.env, { POWERTOOLS_LOG_LEVEL: "SILENT" });
// The support module reads the emulator's variables when it creates clients: imported once they are set.
const { batch, createDevice, createStack, executions, failure, invoke } = await import(
  "../tests/support/stack"
);

/** Counts the DynamoDB writes the handlers send while `work` runs. */
async function countingWrites<T>(work: () => Promise<T>): Promise<{ result: T; writes: number }> {
  let writes = 0;
  const count =
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      if (["UpdateItemCommand", "PutItemCommand"].includes(context.commandName ?? "")) writes++;
      return next(args);
    };
  const client = awsClient(DynamoDBClient);
  client.middlewareStack.add(count as never, { step: "initialize", name: "countWrites" });
  try {
    return { result: await work(), writes };
  } finally {
    client.middlewareStack.remove("countWrites");
  }
}

const stack = await createStack({ CONCURRENCY: String(BATCH) });
const named = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const warm = named("benchWarm", WARM_DEVICES);
const halves: [string[], string[]] = [
  named("benchStormA", Math.ceil(DEVICES / 2)),
  named("benchStormB", Math.floor(DEVICES / 2)),
];
const devices = [...halves[0], ...halves[1]];
await inFlight([...warm, ...devices], 16, (device) => createDevice(device, { FW: "2.27", model: "wo:v8" }));
const stormOf = (of: string[]) =>
  shuffled(
    of.flatMap((device) => Array.from({ length: FAILURES }, () => failure(device))),
    20_021,
  );
type Message = ReturnType<typeof failure>;

/** Records the messages through the real handler, BATCH a batch, IN_FLIGHT messages at once; seconds taken. */
async function storm(messages: Message[]): Promise<number> {
  const started = performance.now();
  const batches = Array.from({ length: Math.ceil(messages.length / BATCH) }, (_, i) =>
    messages.slice(i * BATCH, (i + 1) * BATCH),
  );
  await inFlight(batches, IN_FLIGHT / BATCH, async (messagesOfBatch) => {
    const result = (await invoke("record-outcome", batch(...messagesOfBatch))) as BatchResult;
    if (result.batchItemFailures.length > 0) throw new Error(`not recorded: ${JSON.stringify(result)}`);
  });
  return (performance.now() - started) / 1000;
}

const dynamodb = awsClient(DynamoDBClient);
const FLOORS = {
  // A bare ADD of one counter.
  bare: (_message: Message) => ({
    UpdateExpression: "ADD #n :one",
    ExpressionAttributeNames: { "#n": "n" },
    ExpressionAttributeValues: { ":one": { N: "1" } },
  }),
  // The count write's expression, alone, on an item prepared as a counting record (the limit out of reach).
  count: (message: Message) => ({
    UpdateExpression: "ADD #seen :messageKeys, #retryCounter :one, #totalFailures :one",
    ConditionExpression:
      "(NOT contains(#seen, :messageKey)) AND (#phase = :counting AND #retryCounter < :last AND #backedUpEpoch = #epoch)",
    ExpressionAttributeNames: {
      "#seen": "seen",
      "#retryCounter": "retryCounter",
      "#totalFailures": "totalFailures",
      "#phase": "phase",
      "#backedUpEpoch": "backedUpEpoch",
      "#epoch": "epoch",
    },
    ExpressionAttributeValues: {
      ":messageKeys": { SS: [`device:${message.timestamp}:failed`] },
      ":messageKey": { S: `device:${message.timestamp}:failed` },
      ":one": { N: "1" },
      ":counting": { S: "counting" },
      ":last": { N: "1000000" },
    },
    ReturnValues: "NONE" as const,
  }),
};
type Floor = keyof typeof FLOORS;
const floorKey = (floor: Floor, deviceId: string) => ({ deviceId: { S: `${floor}-${deviceId}` } });

/** The counting record the count expression's floor updates, as record-outcome's first write would leave it. */
async function prepare(floor: Floor, of: string[]): Promise<void> {
  if (floor !== "count") return;
  await inFlight(of, IN_FLIGHT, (deviceId) =>
    dynamodb.send(
      new PutItemCommand({
        TableName: stack.env.RETRIES_TABLE as string,
        Item: {
          ...floorKey(floor, deviceId),
          phase: { S: "counting" },
          epoch: { N: "1" },
          backedUpEpoch: { N: "1" },
          retryCounter: { N: "0" },
          totalFailures: { N: "0" },
        },
      }),
    ),
  );
}

/** As many UpdateItem calls as messages, on items of the same devices, same order, same concurrency; seconds. */
async function floorRun(floor: Floor, messages: Message[]): Promise<number> {
  const started = performance.now();
  await inFlight(messages, IN_FLIGHT, (message) =>
    dynamodb.send(
      new UpdateItemCommand({
        TableName: stack.env.RETRIES_TABLE as string,
        Key: floorKey(floor, message._id_),
        ...FLOORS[floor](message),
      }),
    ),
  );
  return (performance.now() - started) / 1000;
}

// Warm-up: the emulator, the handler's module and clients, and both floors.
const warmMessages = stormOf(warm);
await storm(warmMessages);
for (const floor of ["bare", "count"] as Floor[]) {
  await prepare(floor, [...warm, ...devices]);
  await floorRun(floor, warmMessages);
}

// Alternating: the floors, then the storm of one half; the storm of the other half, then the floors again.
const seconds = { storm: 0, bare: 0, count: 0 };
const counted = { storm: 0, bare: 0, count: 0 };
const stormMessages: Message[] = [];
let writes = 0;
for (const [i, half] of halves.entries()) {
  const messages = stormOf(half);
  stormMessages.push(...messages);
  const floors = async () => {
    for (const floor of ["bare", "count"] as Floor[]) {
      seconds[floor] += await floorRun(floor, messages);
      counted[floor] += messages.length;
    }
  };
  if (i === 0) await floors();
  const run = await countingWrites(() => storm(messages));
  seconds.storm += run.result;
  counted.storm += messages.length;
  writes += run.writes;
  if (i === 1) await floors();
}

// Read back: each device's failures (exactly FAILURES each), and the executions started.
let lost = 0;
let recorded = 0;
await inFlight(devices, 16, async (deviceId) => {
  const shown = (await invoke("device-history", { deviceId })) as { totalFailures: number };
  recorded += shown.totalFailures;
  lost += Math.abs(FAILURES - shown.totalFailures);
});
const names = (await executions(stack.env.ESCALATION_ARN as string)).filter(
  (name) => !name.startsWith("benchWarm"),
);
const perDevice = new Map<string, number>();
for (const name of names) {
  const device = name.replace(/-e\d+(-[0-9a-f]{8})?$/, "");
  perDevice.set(device, (perDevice.get(device) ?? 0) + 1);
}
const duplicated = [...perDevice.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
const escalatedDevices = devices.filter((device) => perDevice.has(device)).length;
const rate = (of: keyof typeof seconds) => counted[of] / seconds[of];
const eventsPerSecond = rate("storm");

const id = "retry-workflow/storm";
console.log(
  `BENCH ${id} events_per_s=${eventsPerSecond.toFixed(1)} ratio=${(eventsPerSecond / rate("bare")).toFixed(3)} lost=${lost} duplicated_escalations=${duplicated}`,
);
console.log(
  `BENCH ${id} executions_per_message=${(names.length / stormMessages.length).toFixed(3)} writes_per_message=${(writes / stormMessages.length).toFixed(2)} bare_updates_per_s=${rate("bare").toFixed(1)} count_expression_updates_per_s=${rate("count").toFixed(1)} ratio_to_count_expression=${(eventsPerSecond / rate("count")).toFixed(3)} recorded=${recorded} devices=${DEVICES} escalated_devices=${escalatedDevices} messages=${stormMessages.length} in_flight=${IN_FLIGHT} batch=${BATCH}`,
);
await emulator.stop();
