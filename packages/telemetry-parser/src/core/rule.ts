// The IoT topic rules in front of the delivery stream, and a model of what they forward, for everyone who must
// agree on it: infra deploys the SQL, the local delivery driver (scene, integration test) applies the model.
// The device id and time of receipt must be the broker's: AWS documents `SELECT expr AS name, *` but not which
// value wins when the payload has its own `name`, so such payloads never reach the stream. WHERE is evaluated
// on the incoming payload before SELECT (it cannot see SELECT's aliases), so `isUndefined(topic)` tests the
// payload's own key; a second rule with the negated condition hands those messages to the rule-errors location
// with their reason, so nothing is dropped silently.

/** Payload keys the rule itself writes: a payload carrying one is refused. */
export const RESERVED_KEYS = ["topic", "receivedAt"] as const;

const ACCEPTED = RESERVED_KEYS.map((key) => `isUndefined(${key})`).join(" AND ");
export const RESERVED_KEYS_REASON = `the payload carries a key the rule writes (${RESERVED_KEYS.join(", ")})`;

/** Every level below `topic`, with the broker's topic and time, from payloads without reserved keys. */
export const ruleSql = (topic: string): string =>
  `SELECT topic() AS topic, timestamp() AS receivedAt, * FROM '${topic}/#' WHERE ${ACCEPTED}`;

/** The payloads the first rule refuses, base64-encoded whole, with the broker's topic, time and the reason. */
export const refusedRuleSql = (topic: string): string =>
  `SELECT topic() AS topic, timestamp() AS receivedAt, clientid() AS clientId, '${RESERVED_KEYS_REASON}' AS reason, encode(*, 'base64') AS payload FROM '${topic}/#' WHERE NOT (${ACCEPTED})`;

export type RuleOutcome =
  | { to: "stream"; record: string }
  | { to: "rule-errors"; record: { topic: string; receivedAt: number; reason: string; payload: string } };

/**
 * What the two rules do with one publish: a JSON object without reserved keys goes to the stream with the
 * broker's topic and time (newline-separated, as the Firehose action's separator); one with a reserved key goes
 * to rule-errors; anything else (not a JSON object) is forwarded as published, for the transformation to answer
 * ProcessingFailed. (AWS documents `*` beside other fields for JSON payloads only; should the rules engine fail
 * such a SELECT on a non-JSON payload instead, the rules' ParseError alarm counts it — see the README.)
 */
export function applyRules(topic: string, receivedAt: number, payload: string): RuleOutcome {
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch {
    return { to: "stream", record: `${payload}\n` };
  }
  if (message === null || typeof message !== "object" || Array.isArray(message))
    return { to: "stream", record: `${payload}\n` };
  if (RESERVED_KEYS.some((key) => Object.hasOwn(message, key)))
    return {
      to: "rule-errors",
      record: {
        topic,
        receivedAt,
        reason: RESERVED_KEYS_REASON,
        payload: Buffer.from(payload).toString("base64"),
      },
    };
  return { to: "stream", record: `${JSON.stringify({ topic, receivedAt, ...message })}\n` };
}
