// A storm of failures against the local emulator: DEVICES devices × 12 failures each, shuffled, 32 messages in
// flight, each delivered to the real record-outcome handler as the rule's queue would (one message a batch).
// Next to it, in the same run and at the same concurrency, as many bare DynamoDB UpdateItem calls (an ADD on
// the same devices' items, in the same order): the floor any counting design pays. Prints
//   BENCH retry-workflow/storm events_per_s=… ratio=… lost=… duplicated_escalations=…
//   BENCH retry-workflow/storm executions_per_message=… writes_per_message=…
// ratio = messages recorded per second ÷ bare UpdateItem calls per second; lost = failures the tables do not
// hold; duplicated_escalations = executions beyond one per device; every figure is read back from the emulator.
// Run: `pnpm bench` (BENCH_DEVICES sets the fleet, default 300).
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { awsClient } from "@fleet/shared-aws";
import { startEmulator } from "@fleet/testing/emulator";
import type { BatchResult } from "../src/core/record-batch";

const DEVICES = Number(process.env.BENCH_DEVICES ?? 300);
const FAILURES = 12;
const IN_FLIGHT = 32;
/** Messages a batch (the event source mapping delivers up to 10), recorded at once: IN_FLIGHT ÷ BATCH invocations. */
const BATCH = Number(process.env.BENCH_BATCH ?? 8);

const emulator = await startEmulator();
Object.assign(process.env, emulator.env, { POWERTOOLS_LOG_LEVEL: "SILENT" });
// The support module reads the emulator's variables when it creates clients: imported once they are set.
const { batch, createDevice, createStack, executions, failure, invoke, isolateItemWrites } = await import(
  "../tests/support/stack"
);

async function inFlight<T>(items: readonly T[], width: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, lane));
}

function shuffled<T>(items: T[]): T[] {
  let state = 20_021;
  for (let i = items.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = Math.floor((state / 2 ** 31) * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

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
// moto applies an item's writes without a lock; DynamoDB isolates them (see isolateItemWrites).
isolateItemWrites();
const devices = Array.from({ length: DEVICES }, (_, i) => `benchStorm${i}`);
await inFlight(devices, 16, (device) => createDevice(device, { FW: "2.27", model: "wo:v8" }));
const messages = shuffled(
  devices.flatMap((device) => Array.from({ length: FAILURES }, () => failure(device))),
);

const started = performance.now();
const batches = Array.from({ length: Math.ceil(messages.length / BATCH) }, (_, i) =>
  messages.slice(i * BATCH, (i + 1) * BATCH),
);
const { writes } = await countingWrites(() =>
  inFlight(batches, IN_FLIGHT / BATCH, async (messagesOfBatch) => {
    const result = (await invoke("record-outcome", batch(...messagesOfBatch))) as BatchResult;
    if (result.batchItemFailures.length > 0) throw new Error(`not recorded: ${JSON.stringify(result)}`);
  }),
);
const stormSeconds = (performance.now() - started) / 1000;

// The floor: one bare UpdateItem per message, same items, same order, same concurrency, same client.
const dynamodb = awsClient(DynamoDBClient);
const bareStarted = performance.now();
await inFlight(messages, IN_FLIGHT, (message) =>
  dynamodb.send(
    new UpdateItemCommand({
      TableName: stack.env.BACKUP_TABLE as string,
      Key: { deviceId: { S: `bare-${message._id_}` } },
      UpdateExpression: "ADD #n :one",
      ExpressionAttributeNames: { "#n": "n" },
      ExpressionAttributeValues: { ":one": { N: "1" } },
    }),
  ),
);
const bareSeconds = (performance.now() - bareStarted) / 1000;

// Read back: every device's failures, and the executions started.
let recorded = 0;
await inFlight(devices, 16, async (deviceId) => {
  const shown = (await invoke("device-history", { deviceId })) as { totalFailures: number };
  recorded += shown.totalFailures;
});
const names = await executions(stack.env.ESCALATION_ARN as string);
const perDevice = new Map<string, number>();
for (const name of names) {
  const device = name.replace(/-e\d+$/, "");
  perDevice.set(device, (perDevice.get(device) ?? 0) + 1);
}
const duplicated = [...perDevice.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0);
const escalatedDevices = devices.filter((device) => perDevice.has(device)).length;
const eventsPerSecond = messages.length / stormSeconds;
const bareRate = messages.length / bareSeconds;

const id = "retry-workflow/storm";
console.log(
  `BENCH ${id} events_per_s=${eventsPerSecond.toFixed(1)} ratio=${(eventsPerSecond / bareRate).toFixed(3)} lost=${messages.length - recorded} duplicated_escalations=${duplicated}`,
);
console.log(
  `BENCH ${id} executions_per_message=${(names.length / messages.length).toFixed(3)} writes_per_message=${(writes / messages.length).toFixed(2)} bare_updates_per_s=${bareRate.toFixed(1)} devices=${DEVICES} escalated_devices=${escalatedDevices} messages=${messages.length} in_flight=${IN_FLIGHT} batch=${BATCH}`,
);
await emulator.stop();
