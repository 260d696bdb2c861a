// Creates the test fleet `prefix0 … prefix{n-1}` at the CreateThing rate. A thing that already exists is
// counted, never replaced: DescribeThing first, because CreateThing with the same name is a silent success on
// AWS and a silent replacement on the emulator — neither tells us the thing was already there.
import { CreateThingCommand, DescribeThingCommand, type IoTClient } from "@aws-sdk/client-iot";
import { isAlreadyExists, unlessNotFound } from "@fleet/shared-aws";
import {
  emptyTally,
  IOT_QUOTAS,
  type PacedStepDeps,
  runStep,
  type StepResult,
  stepCursorShape,
} from "@fleet/shared-aws/steps";
import * as z from "zod/mini";
import { checkCursorPrefix } from "./names";

export const seedCursorSchema = z.strictObject({
  /** The prefix the cursor was made for: a cursor is refused with any other. */
  prefix: z.string(),
  /** The next index never taken. */
  next: z.int().check(z.minimum(0)),
  /** Indices taken but not created yet for a reason that may pass are in `retry`: created first. */
  ...stepCursorShape(z.int().check(z.minimum(0))),
});
export type SeedCursor = z.infer<typeof seedCursorSchema>;

export interface SeedDeps extends PacedStepDeps {
  /** A paced client (one attempt a call: pace() retries). */
  paced: IoTClient;
  /** Items a second. Each item makes one DescribeThing and at most one CreateThing call. */
  rate: number;
}

export interface SeedInput {
  prefix: string;
  count: number;
  cursor?: SeedCursor | undefined;
}

export async function seedThings(deps: SeedDeps, input: SeedInput): Promise<StepResult<SeedCursor>> {
  checkCursorPrefix(input.cursor, input.prefix);
  const start = input.cursor?.next ?? 0;
  const nameOf = (index: number) => `${input.prefix}${index}`;

  const createUnlessExists = async (index: number, abortSignal: AbortSignal) => {
    const thingName = nameOf(index);
    const existing = await unlessNotFound(() =>
      deps.paced.send(new DescribeThingCommand({ thingName }), { abortSignal }),
    );
    if (existing) return "existed";
    try {
      await deps.paced.send(new CreateThingCommand({ thingName }), { abortSignal });
      return "created";
    } catch (error) {
      // Created by someone else (with another configuration) between our describe and create.
      if (isAlreadyExists(error)) return "existed";
      throw error;
    }
  };

  return runStep({
    cursor: input.cursor,
    tally: input.cursor?.tally ?? emptyTally({ created: 0, existed: 0, failed: 0 }),
    stream: indices(start, input.count),
    position: (taken) => ({ prefix: input.prefix, next: start + taken }),
    source: `indices ${start}…${input.count - 1}`,
    worker: createUnlessExists,
    describe: nameOf,
    rate: deps.rate,
    quotas: [IOT_QUOTAS.CreateThing, IOT_QUOTAS.DescribeThing],
    deps,
  });
}

function* indices(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i++) yield i;
}
