// Event schemas of every handler (the contract of the rule's queue, the state machine and the CLI). Operator
// events refuse unknown fields: a misspelt `deviceID` must not act on nobody.
import { THING_NAME } from "@fleet/shared-aws";
import * as z from "zod/mini";

const thingName = z
  .string()
  .check(z.regex(THING_NAME, "must be a thing name: 1-128 letters, digits, ':', '_' or '-'"));

/** An SQS batch, as Lambda's event source mapping delivers the rules' messages; each body is parsed on its own. */
export const recordOutcomeEvent = z.object({
  Records: z.array(z.object({ messageId: z.string().check(z.minLength(1)), body: z.string() })),
});

/** What record-outcome starts the escalation with, and what every step receives. */
export const escalationInput = z.object({
  deviceId: thingName,
  epoch: z.int().check(z.minimum(1)),
  cycle: z.union([z.literal(1), z.literal(2)]),
  waitSeconds: z.int().check(z.minimum(0)),
});

export const escalationFailedEvent = z.object({
  ...escalationInput.shape,
  error: z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) }),
});

export const listQuarantinedEvent = z.strictObject({
  limit: z._default(z.int().check(z.minimum(1), z.maximum(100)), 50),
  nextToken: z.optional(z.string().check(z.minLength(1))),
});

export const releaseEvent = z.strictObject({
  deviceId: thingName,
  reason: z.optional(z.string().check(z.maxLength(200))),
});

export const deviceHistoryEvent = z.strictObject({ deviceId: thingName });
