// Shared by the integration tests: handler configuration for the emulator, real handlers invoked with a local
// Lambda context, and a record of every AWS call the handlers' clients send (to prove nothing is done twice).
import { IoTClient } from "@aws-sdk/client-iot";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { awsClient, iotDataClient } from "@fleet/shared-aws";
import { handlerInvoker } from "@fleet/shared-aws/testing";
import type { HandlerName } from "../../src/config";
import { manifest } from "../../src/index";

/** The emulator serves a few hundred calls a second: rates high enough that it, not the pacer, is the limit. */
export function configureHandlers(bucket: string, extra: Record<string, string> = {}): void {
  Object.assign(process.env, {
    LISTS_BUCKET: bucket,
    STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:unused",
    CONCURRENCY: "8",
    CREATE_THING_RATE: "2000",
    DESCRIBE_THING_RATE: "2000",
    DELETE_THING_RATE: "2000",
    LIST_THINGS_RATE: "200",
    ADD_THING_TO_GROUP_RATE: "2000",
    LIST_THINGS_IN_GROUP_RATE: "200",
    SEARCH_INDEX_RATE: "200",
    SHADOW_UPDATE_RATE: "2000",
    ...extra,
  });
}

const invokeHandler = handlerInvoker(manifest, findRepoRoot(import.meta.dirname));

/** Invokes a real handler as Lambda would, with `timeoutMs` left on the clock (its deadline is half of that, at most 30 s before). */
export const invoke = <R = Record<string, unknown>>(
  name: HandlerName,
  event: unknown,
  timeoutMs = 600_000,
): Promise<R> => invokeHandler<R>(name, event, { timeoutMs });

export interface Call {
  command: string;
  input: Record<string, unknown>;
  /** The error the call ended with, if it failed. */
  error?: string;
}

/** Records every command sent through the handlers' IoT and shadow clients from now on. */
export async function recordCalls(): Promise<Call[]> {
  const calls: Call[] = [];
  type Args = { input: object };
  // An SDK initialize middleware (typed loosely: its types live in a package this one does not depend on).
  const record =
    (next: (args: Args) => Promise<unknown>, context: { commandName?: string }) => async (args: Args) => {
      const call: Call = {
        command: context.commandName as string,
        input: args.input as Record<string, unknown>,
      };
      calls.push(call);
      try {
        return await next(args);
      } catch (error) {
        call.error = (error as Error).name;
        throw error;
      }
    };
  const options = { step: "initialize", name: "recordCalls", override: true } as const;
  awsClient(IoTClient, { paced: true }).middlewareStack.add(record as never, options);
  awsClient(IoTClient).middlewareStack.add(record as never, options);
  (await iotDataClient({ paced: true })).middlewareStack.add(record as never, options);
  return calls;
}

/**
 * How often each thing was named in successful calls of this command. A call that failed (a dropped connection,
 * a 5xx) and was retried changed nothing the first time, so only successes say whether work was done twice.
 */
export function callsPerThing(calls: Call[], command: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const call of calls) {
    if (call.command !== command || call.error) continue;
    const name = call.input.thingName as string;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

export async function createBucketWith(
  bucket: string,
  objects: Record<string, Uint8Array | string>,
): Promise<void> {
  const s3 = awsClient(S3Client);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [key, body] of Object.entries(objects))
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}
