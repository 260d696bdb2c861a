// Test tooling for the scene and the tests, never deployed: Firehose's part around the transformation, the
// topic rules' model, and reading back what landed.

export { applyRules, type RuleOutcome } from "../core/rule";
export { type DeliveryReport, type ErrorRecord, LocalDelivery, resolvePrefix } from "./firehose-driver";
export { gunzippedObjects, linesOf } from "./objects";
export { LocalRules } from "./rules";
