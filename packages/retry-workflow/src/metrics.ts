// The names of what retry-workflow's handlers publish (namespace `Fleet/<stack>`, dimension `service: <handler>`),
// shared with infra's dashboard so a chart can never name a metric nothing emits.
import type { BatchResult } from "./core/record-batch";

/** What becomes of a message of an outcomes batch. */
export type BatchOutcome = keyof BatchResult["counts"];

/** record-outcome's `service` dimension (its handler's name) and the count per outcome of each batch. */
export const RECORD_OUTCOME_SERVICE = "record-outcome";
export const messagesMetric = (outcome: BatchOutcome) => `Messages_${outcome}`;

/** escalation-failed's `service` dimension (its handler's name) and the count it publishes per failure. */
export const ESCALATION_FAILED = { service: "escalation-failed", metricName: "EscalationFailed" } as const;
