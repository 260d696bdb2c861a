// Seed 004 on AWS: device messages → IoT topic rule → Firehose → the transformation → S3, queryable with Athena.
// The telemetry-parser package as its manifest describes it (the data and raw buckets, expiring as configured;
// the transform function), and what refers to them: the delivery stream (Lambda processor, dynamic
// partitioning by the configured keys, GZIP, buffering from config, data and error prefixes, its log group,
// every raw batch backed up), the topic rule reading every level below the configured topic with an error
// action (and its twin keeping payloads that carry the rule's own keys under rule-errors/), the Glue database
// with a per-device and a fleet-wide table over the data prefix, the device policy, a role per service, and
// alarms on processing failures, delivery errors, the partition quota and the rules' failures. Everything is
// checked before anything is created.
import { manifest } from "@fleet/telemetry-parser";
import { TRANSFORM_METRICS, TRANSFORM_SERVICE } from "@fleet/telemetry-parser/metrics";
import {
  DATA_ROOT,
  dataPrefix,
  ERROR_PREFIX,
  fileExtension,
  fleetPartitionKeys,
  parseTelemetryConfig,
  projectionParameters,
  RAW_PREFIX,
  RULE_ERRORS_PREFIX,
  RULE_REFUSED_PREFIX,
  refusedRuleSql,
  ruleSql,
  type TelemetryConfig,
  tableColumns,
} from "@fleet/telemetry-parser/pipeline";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsScope } from "../aws-scope";
import { policyDocument, serviceTrustPolicy, topicRuleTrustPolicy } from "../policies/document";
import {
  deliveryStatements,
  devicePolicy,
  TELEMETRY_PARSER_PERMISSIONS,
  topicRuleStatements,
} from "../policies/telemetry-parser";
import { isRecord } from "../records";
import { countAlarm } from "./alarm";
import { type DashboardSection, fleetMetric } from "./dashboard";

/** Records the transformation answered Ok, Dropped or ProcessingFailed (its batch metrics, service `transform`). */
export const TELEMETRY_WIDGETS: DashboardSection = {
  title: "Telemetry (telemetry-parser)",
  widgets: [
    {
      title: "Records transformed",
      metrics: [
        fleetMetric(TRANSFORM_SERVICE, TRANSFORM_METRICS.ok, { label: "Ok" }),
        fleetMetric(TRANSFORM_SERVICE, TRANSFORM_METRICS.dropped, { label: "Dropped" }),
        fleetMetric(TRANSFORM_SERVICE, TRANSFORM_METRICS.processingFailed, { label: "ProcessingFailed" }),
        fleetMetric(TRANSFORM_SERVICE, TRANSFORM_METRICS.overLimit, {
          label: "failed to keep the answer under 6 MB",
        }),
      ],
    },
  ],
};

import { type DomainArgs, type DomainOutputs, deployHandlerPackage } from "./handler-package";
import { type NodeLambda, stackMetricsNamespace } from "./node-lambda";

export interface PipelineConfig {
  /** Devices publish under `<topic>/<thing name>/…`; the rule reads every level below it. */
  topic: string;
  /**
   * The processor's buffer (Firehose → Lambda; the seed's 1 MB / 60 s), the delivery buffer (→ S3) and the raw
   * backup's buffer (→ the raw bucket; no zero buffering there).
   */
  buffering: {
    processorSizeMb: number;
    processorIntervalSeconds: number;
    deliverySizeMb: number;
    deliveryIntervalSeconds: number;
    backupSizeMb: number;
    backupIntervalSeconds: number;
  };
  /** Days before current objects expire: clean records, raw batches. */
  expiryDays: { data: number; raw: number };
  transform: TelemetryConfig;
}

const TOPIC = /^[a-zA-Z0-9_-]+(\/[a-zA-Z0-9_-]+){0,5}$/;
/** Lambda's environment holds at most 4 KB in all; the rest is the platform's variables. */
const MAX_TRANSFORM_CONFIG_BYTES = 3_072;
const inRange = (value: unknown, min: number, max: number): value is number =>
  typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;

/** The `component` map of fleet:telemetryParser (the pipeline); throws one error naming every bad key. */
export function parsePipelineConfig(block: unknown): PipelineConfig {
  const key = "fleet:telemetryParser.component";
  if (!isRecord(block)) throw new Error(`${key} is missing: topic, buffering, expiryDays and transform`);
  const problems: string[] = [];
  const check = (ok: boolean, problem: string) => {
    if (!ok) problems.push(`${key}.${problem}`);
  };
  const { topic, buffering, expiryDays } = block;
  check(
    typeof topic === "string" && TOPIC.test(topic),
    "topic must be 1-6 levels of letters, digits, '_' or '-', no wildcards",
  );
  const b = isRecord(buffering) ? buffering : {};
  // Firehose's limits: a processor buffer of 0.2-3 MB (whole MB here) and 0-900 s; with dynamic partitioning
  // the delivery buffer is at least 64 MB, at most 128, and 0-900 s.
  check(inRange(b.processorSizeMb, 1, 3), "buffering.processorSizeMb must be an integer from 1 to 3");
  check(
    inRange(b.processorIntervalSeconds, 0, 900),
    "buffering.processorIntervalSeconds must be an integer from 0 to 900",
  );
  check(
    inRange(b.deliverySizeMb, 64, 128),
    "buffering.deliverySizeMb must be an integer from 64 to 128 (dynamic partitioning)",
  );
  check(
    inRange(b.deliveryIntervalSeconds, 60, 900),
    "buffering.deliveryIntervalSeconds must be an integer from 60 to 900",
  );
  // The backup has no dynamic partitioning (1-128 MB) and no zero buffering.
  check(inRange(b.backupSizeMb, 1, 128), "buffering.backupSizeMb must be an integer from 1 to 128");
  check(
    inRange(b.backupIntervalSeconds, 60, 900),
    "buffering.backupIntervalSeconds must be an integer from 60 to 900",
  );
  const e = isRecord(expiryDays) ? expiryDays : {};
  check(inRange(e.data, 1, 36_500), "expiryDays.data must be a number of days from 1");
  check(inRange(e.raw, 1, 36_500), "expiryDays.raw must be a number of days from 1");
  let transform: TelemetryConfig | undefined;
  try {
    transform = parseTelemetryConfig(block.transform, `${key}.transform`);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (transform && typeof topic === "string") {
    // The device policy ties the level after the topic to the thing name, and the rule writes the topic itself:
    // the id a record carries is then the publisher's own. A payload field could name any device.
    const deviceLevel = topic.split("/").length + 1;
    transform.messages.forEach((message, i) => {
      const at = `${key}.transform.messages.${i}`;
      if (!("topicLevel" in message.deviceId) || message.deviceId.topicLevel !== deviceLevel)
        problems.push(
          `${at}.deviceId must be { topicLevel: ${deviceLevel} }, the level devices publish their thing name at (a payload field could name any device)`,
        );
      if (!message.topic.startsWith(`${topic}/`))
        problems.push(`${at}.topic must lie under ${topic}/, the only messages the rule forwards`);
    });
    const bytes = Buffer.byteLength(JSON.stringify(transform));
    if (bytes > MAX_TRANSFORM_CONFIG_BYTES)
      problems.push(
        `${key}.transform is ${bytes} bytes as JSON, more than the ${MAX_TRANSFORM_CONFIG_BYTES} a Lambda environment can hold`,
      );
  }
  if (problems.length > 0) throw new Error(`Invalid stack configuration: ${problems.join("; ")}`);
  return { topic, buffering: b, expiryDays: e, transform } as PipelineConfig;
}

/** Names without hyphens, for services that refuse them (topic rules; Athena databases). */
const underscored = (name: string) => name.replaceAll("-", "_");

export class TelemetryPipeline extends pulumi.ComponentResource {
  public readonly functions: Record<string, NodeLambda>;
  public readonly outputs: DomainOutputs;
  public readonly deliveryStream: aws.kinesis.FirehoseDeliveryStream;
  public readonly topicRule: aws.iot.TopicRule;
  public readonly refusedRule: aws.iot.TopicRule;
  public readonly devicePolicy: aws.iot.Policy;
  public readonly widgets = TELEMETRY_WIDGETS;
  public readonly table: aws.glue.CatalogTable;
  public readonly fleetTable: aws.glue.CatalogTable;

  constructor(name: string, args: DomainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fleet:index:TelemetryPipeline", name, {}, opts);
    const config = parsePipelineConfig(args.component);
    const { transform, buffering } = config;
    const named = (part: string) => `${args.namePrefix}${name}-${part}`;
    const parent = { parent: this };
    const scope = awsScope(this);

    const deployed = deployHandlerPackage(
      name,
      {
        ...args,
        manifest,
        permissions: TELEMETRY_PARSER_PERMISSIONS,
        supplied: { TELEMETRY_CONFIG: JSON.stringify(transform) },
        bucketExpiryDays: config.expiryDays,
      },
      this,
    );
    this.functions = deployed.functions;
    this.outputs = deployed.outputs;
    const transformFunction = deployed.functions.transform as NodeLambda;
    const dataBucket = deployed.outputs.resources.data as pulumi.Output<string>;
    const rawBucket = deployed.outputs.resources.raw as pulumi.Output<string>;
    const bucketArn = (bucket: pulumi.Output<string>) => pulumi.interpolate`arn:aws:s3:::${bucket}`;

    // Firehose logs delivery errors to streams it does not create.
    const logGroup = new aws.cloudwatch.LogGroup(
      named("delivery-logs"),
      { namePrefix: `/aws/kinesisfirehose/${named("delivery")}-`, retentionInDays: args.logRetentionDays },
      parent,
    );
    const logStreams = ["DestinationDelivery", "BackupDelivery"].map(
      (stream) =>
        new aws.cloudwatch.LogStream(
          named(`delivery-${stream}`),
          { name: stream, logGroupName: logGroup.name },
          parent,
        ),
    );

    const deliveryRole = new aws.iam.Role(
      named("delivery-role"),
      {
        // Firehose's developer guide: the account id as the external id (its confused-deputy guard).
        assumeRolePolicy: scope.apply((s) =>
          JSON.stringify(
            serviceTrustPolicy("firehose.amazonaws.com", { StringEquals: { "sts:ExternalId": s.accountId } }),
          ),
        ),
      },
      parent,
    );
    const deliveryPolicy = new aws.iam.RolePolicy(
      named("delivery-policy"),
      {
        role: deliveryRole.id,
        policy: pulumi
          .all([bucketArn(dataBucket), bucketArn(rawBucket), transformFunction.arn, logGroup.arn])
          .apply(([dataBucketArn, rawBucketArn, functionArn, logGroupArn]) =>
            JSON.stringify(
              policyDocument(deliveryStatements({ dataBucketArn, rawBucketArn, functionArn, logGroupArn })),
            ),
          ),
      },
      parent,
    );

    const logging = (stream: string) => ({
      enabled: true,
      logGroupName: logGroup.name,
      logStreamName: stream,
    });
    this.deliveryStream = new aws.kinesis.FirehoseDeliveryStream(
      named("delivery"),
      {
        destination: "extended_s3",
        serverSideEncryption: { enabled: true, keyType: "AWS_OWNED_CMK" },
        extendedS3Configuration: {
          bucketArn: bucketArn(dataBucket),
          roleArn: deliveryRole.arn,
          prefix: dataPrefix(transform),
          errorOutputPrefix: ERROR_PREFIX,
          fileExtension: fileExtension(transform),
          compressionFormat: "GZIP",
          bufferingSize: buffering.deliverySizeMb,
          bufferingInterval: buffering.deliveryIntervalSeconds,
          cloudwatchLoggingOptions: logging("DestinationDelivery"),
          dynamicPartitioningConfiguration: { enabled: true, retryDuration: 300 },
          processingConfiguration: {
            enabled: true,
            processors: [
              {
                type: "Lambda",
                parameters: [
                  { parameterName: "LambdaArn", parameterValue: transformFunction.arn },
                  { parameterName: "BufferSizeInMBs", parameterValue: String(buffering.processorSizeMb) },
                  {
                    parameterName: "BufferIntervalInSeconds",
                    parameterValue: String(buffering.processorIntervalSeconds),
                  },
                ],
              },
            ],
          },
          s3BackupMode: "Enabled",
          s3BackupConfiguration: {
            bucketArn: bucketArn(rawBucket),
            roleArn: deliveryRole.arn,
            prefix: RAW_PREFIX,
            errorOutputPrefix: "raw-errors/!{firehose:error-output-type}/",
            compressionFormat: "GZIP",
            bufferingSize: buffering.backupSizeMb,
            bufferingInterval: buffering.backupIntervalSeconds,
            cloudwatchLoggingOptions: logging("BackupDelivery"),
          },
        },
      },
      // The role must hold its grants before Firehose checks them at creation.
      { parent: this, dependsOn: [deliveryPolicy, ...logStreams] },
    );

    const ruleName = underscored(named("rule"));
    const refusedRuleName = `${ruleName}_refused`;
    const ruleRole = new aws.iam.Role(
      named("rule-role"),
      {
        // Only this stack's two rules.
        assumeRolePolicy: scope.apply((s) => JSON.stringify(topicRuleTrustPolicy(s, `${ruleName}*`))),
      },
      parent,
    );
    const rulePolicy = new aws.iam.RolePolicy(
      named("rule-policy"),
      {
        role: ruleRole.id,
        policy: pulumi
          .all([this.deliveryStream.arn, bucketArn(dataBucket)])
          .apply(([streamArn, dataBucketArn]) =>
            JSON.stringify(policyDocument(topicRuleStatements(streamArn, dataBucketArn))),
          ),
      },
      parent,
    );
    const ruleErrors = (prefix: string) => ({
      s3: {
        bucketName: dataBucket,
        key: `${prefix}\${parse_time("yyyy/MM/dd", timestamp())}/\${newuuid()}.json`,
        roleArn: ruleRole.arn,
      },
    });
    this.topicRule = new aws.iot.TopicRule(
      named("rule"),
      {
        name: ruleName,
        description: `Device telemetry under ${config.topic}/ into ${named("delivery")}`,
        enabled: true,
        sql: ruleSql(config.topic),
        sqlVersion: "2016-03-23",
        firehoses: [{ deliveryStreamName: this.deliveryStream.name, roleArn: ruleRole.arn, separator: "\n" }],
        errorAction: ruleErrors(RULE_ERRORS_PREFIX),
      },
      { parent: this, dependsOn: [rulePolicy] },
    );
    // The messages the first rule refuses (they carry topic or receivedAt themselves): kept, with the reason.
    this.refusedRule = new aws.iot.TopicRule(
      named("rule-refused"),
      {
        name: refusedRuleName,
        description: `Device messages under ${config.topic}/ carrying the rule's own keys, kept under ${RULE_REFUSED_PREFIX}`,
        enabled: true,
        sql: refusedRuleSql(config.topic),
        sqlVersion: "2016-03-23",
        s3: [ruleErrors(RULE_REFUSED_PREFIX).s3],
        errorAction: ruleErrors(RULE_ERRORS_PREFIX),
      },
      { parent: this, dependsOn: [rulePolicy] },
    );

    this.devicePolicy = new aws.iot.Policy(
      named("device"),
      { name: named("device"), policy: scope.apply((s) => JSON.stringify(devicePolicy(s, config.topic))) },
      parent,
    );

    const database = new aws.glue.CatalogDatabase(
      named("catalog"),
      {
        name: underscored(named("catalog")),
        description: "Device telemetry landed by the telemetry pipeline",
      },
      parent,
    );
    const json = transform.output.format === "jsonl";
    // Per device (every key projected; a query names the device) and fleet-wide (the leading date keys only).
    const catalogTable = (part: string, tableName: string, keys: TelemetryConfig["partitionKeys"]) =>
      new aws.glue.CatalogTable(
        named(part),
        {
          name: tableName,
          databaseName: database.name,
          tableType: "EXTERNAL_TABLE",
          parameters: dataBucket.apply((bucket) => ({
            classification: json ? "json" : "csv",
            compressionType: "gzip",
            ...projectionParameters(bucket, transform, keys),
          })),
          partitionKeys: keys.map((key) => ({ name: key.name, type: "string" })),
          storageDescriptor: {
            location: pulumi.interpolate`s3://${dataBucket}/${DATA_ROOT}`,
            inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
            outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            columns: tableColumns(transform, keys),
            serDeInfo: json
              ? {
                  serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
                  parameters: { "ignore.malformed.json": "false" },
                }
              : {
                  serializationLibrary: "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                  parameters: { separatorChar: ",", quoteChar: '"' },
                },
          },
        },
        parent,
      );
    this.table = catalogTable("table", "telemetry", transform.partitionKeys);
    this.fleetTable = catalogTable("fleet-table", "telemetry_fleet", fleetPartitionKeys(transform));

    if (args.alarmTopicArn !== undefined) {
      countAlarm(
        named("processing-failed"),
        {
          namespace: stackMetricsNamespace(),
          metricName: TRANSFORM_METRICS.processingFailed,
          dimensions: { service: TRANSFORM_SERVICE },
          description: `${named("transform")} answered records ProcessingFailed: see errors/ in the data bucket`,
          topicArn: args.alarmTopicArn,
        },
        parent,
      );
      // Answers cut to fit Firehose's 6 MB response: the processor buffer or the mapping is too large, not a device.
      countAlarm(
        named("over-limit"),
        {
          namespace: stackMetricsNamespace(),
          metricName: TRANSFORM_METRICS.overLimit,
          dimensions: { service: TRANSFORM_SERVICE },
          description: `${named("transform")} failed records to keep its answer under 6 MB: lower processorSizeMb`,
          topicArn: args.alarmTopicArn,
        },
        parent,
      );
      // Past the active-partition quota (500 a stream by default) Firehose sends records to the error prefix.
      countAlarm(
        named("partitions-exceeded"),
        {
          namespace: "AWS/Firehose",
          metricName: "PartitionCountExceeded",
          dimensions: { DeliveryStreamName: this.deliveryStream.name },
          description: `${named("delivery")}: more active partitions than the quota; records go to errors/`,
          topicArn: args.alarmTopicArn,
        },
        parent,
      );
      // The rules: an action that failed (the message is then under rule-errors/), a message the rule could not
      // parse, or one throttled.
      for (const rule of [ruleName, refusedRuleName])
        for (const metricName of ["Failure", "ParseError", "RuleMessageThrottled"])
          countAlarm(
            named(`${rule === ruleName ? "rule" : "rule-refused"}-${metricName.toLowerCase()}`),
            {
              namespace: "AWS/IoT",
              metricName,
              dimensions: { RuleName: rule },
              description: `IoT rule ${rule}: ${metricName}; see ${RULE_ERRORS_PREFIX} in the data bucket and the IoT logs`,
              topicArn: args.alarmTopicArn,
            },
            parent,
          );
      // Firehose's success ratios: below 1 means a batch it could not invoke the transformation for or deliver.
      for (const [part, metricName] of [
        ["delivery-failed", "DeliveryToS3.Success"],
        ["backup-failed", "BackupToS3.Success"],
        ["invocation-failed", "ExecuteProcessing.Success"],
      ] as const) {
        countAlarm(
          named(part),
          {
            description: `${named("delivery")}: ${metricName} fell below 1`,
            namespace: "AWS/Firehose",
            metricName,
            dimensions: { DeliveryStreamName: this.deliveryStream.name },
            statistic: "Minimum",
            whenBelowOne: true,
            topicArn: args.alarmTopicArn,
          },
          parent,
        );
      }
    }
    this.registerOutputs(this.outputs);
  }
}
