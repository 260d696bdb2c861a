export { CARRY_ROUNDS, type Carried, MAX_CARRIED } from "./carry";
export { type Gate, rateGate } from "./gate";
export {
  appliedQuotas,
  IOT_QUOTAS,
  type QuotaLookup,
  type QuotaReading,
  type QuotaRef,
  serviceQuotaLookup,
} from "./quotas";
export {
  type PacedStepDeps,
  type PaceTuning,
  runStep,
  type StepCursor,
  type StepRun,
  stepCursorShape,
} from "./run-step";
export {
  count,
  emptyTally,
  type Failure,
  failureSchema,
  type Logger,
  MAX_REPORTED_FAILURES,
  type RunStats,
  recordFailure,
  type StepResult,
  stepResult,
  type Tally,
  tallySchema,
} from "./tally";
