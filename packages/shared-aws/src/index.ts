export { awsClient, type ClientOptions, iotDataClient, RETRY_CONFIG, resetClients } from "./clients";
export { type ConfigOf, env, loadConfig, type VarSpec } from "./config";
export { DEFAULT_DEADLINE_MARGIN_MS, deadlineFrom, type RemainingTime } from "./continuation";
export { DEVICE_CLOCK_AHEAD_MS, EARLIEST_DEVICE_TIME, plausibleDeviceTime } from "./device-time";
export {
  AppError,
  type AppErrorOptions,
  ConfigError,
  ConflictError,
  classifyError,
  type ErrorKind,
  errorMessage,
  errorName,
  isAlreadyExists,
  isNotFound,
  NotFoundError,
  normalizeError,
  TransientError,
  unlessNotFound,
  ValidationError,
} from "./errors";
export {
  containerLogger,
  defineHandler,
  type HandlerContext,
  type HandlerDefinition,
  logCompletion,
  normalizeErrors,
  validateEvent,
} from "./handler";
export {
  type RemovalOutcome,
  type RemovedJob,
  type RemoveJobOptions,
  removeJob,
  removeStaticGroup,
} from "./iot-jobs";
export {
  ROLE_ARN,
  requireNamePrefix,
  STREAM_ID,
  THING_NAME,
  THING_NAME_OR_ARN,
  thingNameOf,
} from "./iot-names";
export { containerMetrics, publishMetrics, type StepCounts } from "./metrics";
export { type FailedItem, type PaceOptions, type PaceProgress, type PaceResult, pace } from "./pacing";
export {
  detectEncoding,
  type Line,
  type LineSplitOptions,
  readS3Lines,
  type S3LineSource,
  splitLines,
  type TextEncoding,
  UnreadableLineError,
} from "./s3-lines";
export { formatIssues, parseOrThrow } from "./validation";
export { type VarDeclaration, type VariableTable, variableTable } from "./variables";
