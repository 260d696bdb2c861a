// What infra needs from this package besides the manifest: the configuration's schema and the layout the
// configuration implies (prefixes, the Glue table's columns and projection), so that Firehose, Glue and the
// transformation agree.
export {
  DEFAULT_CONFIG,
  parseTelemetryConfig,
  type TelemetryConfig,
  type TelemetryConfigInput,
} from "./core/config";
export {
  DATA_ROOT,
  dataPrefix,
  ERROR_PREFIX,
  fileExtension,
  fleetPartitionKeys,
  projectionParameters,
  RAW_PREFIX,
  RULE_ERRORS_PREFIX,
  RULE_REFUSED_PREFIX,
  tableColumns,
} from "./core/layout";
export { refusedRuleSql, ruleSql } from "./core/rule";
