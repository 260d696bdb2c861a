// The telemetry pipeline as the staging stack deploys it (the program under mocks with Pulumi.staging.yaml):
// what each piece is wired to, beyond the domain-agnostic stack checks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { findRepoRoot } from "@fleet/manifest/repo-root";
import { beforeAll, describe, expect, it } from "@jest/globals";
import type { PolicyDocument } from "../../src/policies/document";
import type { RecordedResource } from "../../tools/mocks";
import { MOCK_ACCOUNT_ID } from "../../tools/mocks";
import { type Synthesis, synthesize } from "../../tools/synthesize";

const PREFIX = "fleet-staging-telemetry-parser-";
const REGION = "eu-west-1";
let synthesis: Synthesis;
const ofType = (type: string) => synthesis.resources.filter((r) => r.type === type && r.custom);
const named = (type: string, name: string): RecordedResource => {
  const found = ofType(type).find((r) => r.name === name);
  if (!found) throw new Error(`no ${type} named ${name}`);
  return found;
};
const policyOf = (name: string) =>
  JSON.parse(
    named("aws:iam/rolePolicy:RolePolicy", `${PREFIX}${name}`).inputs.policy as string,
  ) as PolicyDocument;
const bucketName = (resource: string) =>
  named("aws:s3/bucket:Bucket", `${PREFIX}${resource}`).computed.bucket as string;

beforeAll(async () => {
  synthesis = await synthesize("staging");
}, 120_000);

describe("the topic rule", () => {
  it("selects the broker's topic and time of receipt with every field, on every level below the topic, from payloads without those keys", () => {
    const rule = named("aws:iot/topicRule:TopicRule", `${PREFIX}rule`).inputs;
    expect(rule).toEqual(
      expect.objectContaining({
        name: "fleet_staging_telemetry_parser_rule",
        enabled: true,
        sql: "SELECT topic() AS topic, timestamp() AS receivedAt, * FROM 'fleet-staging/telemetry/#' WHERE isUndefined(topic) AND isUndefined(receivedAt)",
        sqlVersion: "2016-03-23",
      }),
    );
    const stream = named("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", `${PREFIX}delivery`);
    const role = named("aws:iam/role:Role", `${PREFIX}rule-role`);
    expect(rule.firehoses).toEqual([
      { deliveryStreamName: stream.computed.name, roleArn: role.computed.arn, separator: "\n" },
    ]);
    expect(rule.errorAction).toEqual({
      s3: {
        bucketName: bucketName("data"),
        key: 'rule-errors/${parse_time("yyyy/MM/dd", timestamp())}/${newuuid()}.json',
        roleArn: role.computed.arn,
      },
    });
  });

  it("keeps the payloads the first rule refuses under rule-errors/reserved-keys/, encoded, with the broker's topic and the reason", () => {
    const rule = named("aws:iot/topicRule:TopicRule", `${PREFIX}rule-refused`).inputs;
    const role = named("aws:iam/role:Role", `${PREFIX}rule-role`);
    expect(rule).toEqual(
      expect.objectContaining({
        name: "fleet_staging_telemetry_parser_rule_refused",
        sql: "SELECT topic() AS topic, timestamp() AS receivedAt, clientid() AS clientId, 'the payload carries a key the rule writes (topic, receivedAt)' AS reason, encode(*, 'base64') AS payload FROM 'fleet-staging/telemetry/#' WHERE NOT (isUndefined(topic) AND isUndefined(receivedAt))",
        s3: [
          {
            bucketName: bucketName("data"),
            key: 'rule-errors/reserved-keys/${parse_time("yyyy/MM/dd", timestamp())}/${newuuid()}.json',
            roleArn: role.computed.arn,
          },
        ],
      }),
    );
    expect(rule.errorAction).toEqual(
      named("aws:iot/topicRule:TopicRule", `${PREFIX}rule`).inputs.errorAction,
    );
  });

  it("may only put records into its stream and failed messages under rule-errors/, as this stack's rules", () => {
    const stream = named("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", `${PREFIX}delivery`);
    expect(policyOf("rule-policy").Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["firehose:PutRecord", "firehose:PutRecordBatch"],
        Resource: [stream.computed.arn],
      },
      {
        Effect: "Allow",
        Action: ["s3:PutObject"],
        Resource: [`arn:aws:s3:::${bucketName("data")}/rule-errors/*`],
      },
    ]);
    const trust = JSON.parse(
      named("aws:iam/role:Role", `${PREFIX}rule-role`).inputs.assumeRolePolicy as string,
    );
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "iot.amazonaws.com" },
        Action: ["sts:AssumeRole"],
        Condition: {
          StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
          ArnLike: {
            "aws:SourceArn": `arn:aws:iot:${REGION}:${MOCK_ACCOUNT_ID}:rule/fleet_staging_telemetry_parser_rule*`,
          },
        },
      },
    ]);
  });
});

describe("the delivery stream", () => {
  it("is assumed by Firehose for this account only (the account id as external id, as Firehose's guide shows)", () => {
    const trust = JSON.parse(
      named("aws:iam/role:Role", `${PREFIX}delivery-role`).inputs.assumeRolePolicy as string,
    );
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "firehose.amazonaws.com" },
        Action: ["sts:AssumeRole"],
        Condition: { StringEquals: { "sts:ExternalId": MOCK_ACCOUNT_ID } },
      },
    ]);
  });

  const s3Config = () =>
    named("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", `${PREFIX}delivery`).inputs
      .extendedS3Configuration as Record<string, unknown>;

  it("invokes the transformation with the seed's 1 MB / 60 s batches and partitions by its keys, GZIP, with error prefix", () => {
    const transform = named("aws:lambda/function:Function", `${PREFIX}transform`);
    expect(s3Config()).toEqual(
      expect.objectContaining({
        bucketArn: `arn:aws:s3:::${bucketName("data")}`,
        prefix: "data/device=!{partitionKeyFromLambda:device}/dt=!{partitionKeyFromLambda:dt}/",
        errorOutputPrefix:
          "errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/",
        fileExtension: ".jsonl.gz",
        compressionFormat: "GZIP",
        bufferingSize: 64,
        bufferingInterval: 60,
        dynamicPartitioningConfiguration: { enabled: true, retryDuration: 300 },
        processingConfiguration: {
          enabled: true,
          processors: [
            {
              type: "Lambda",
              parameters: [
                { parameterName: "LambdaArn", parameterValue: transform.computed.arn },
                { parameterName: "BufferSizeInMBs", parameterValue: "1" },
                { parameterName: "BufferIntervalInSeconds", parameterValue: "60" },
              ],
            },
          ],
        },
        s3BackupMode: "Enabled",
      }),
    );
  });

  it("backs every raw batch up to the raw bucket and logs to its own log group", () => {
    const logs = named("aws:cloudwatch/logGroup:LogGroup", `${PREFIX}delivery-logs`);
    expect(logs.inputs).toEqual(
      expect.objectContaining({ namePrefix: `/aws/kinesisfirehose/${PREFIX}delivery-`, retentionInDays: 30 }),
    );
    const config = s3Config();
    expect(config.cloudwatchLoggingOptions).toEqual({
      enabled: true,
      logGroupName: logs.computed.name,
      logStreamName: "DestinationDelivery",
    });
    expect(config.s3BackupConfiguration).toEqual(
      expect.objectContaining({
        bucketArn: `arn:aws:s3:::${bucketName("raw")}`,
        prefix: "raw/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/",
        compressionFormat: "GZIP",
        // Its own buffer: the backup has no zero buffering.
        bufferingSize: 1,
        bufferingInterval: 60,
      }),
    );
    for (const stream of ["DestinationDelivery", "BackupDelivery"]) {
      expect(named("aws:cloudwatch/logStream:LogStream", `${PREFIX}delivery-${stream}`).inputs).toEqual({
        name: stream,
        logGroupName: logs.computed.name,
      });
    }
  });

  it("may write only its two buckets, invoke only the transformation and log only to its group", () => {
    const transform = named("aws:lambda/function:Function", `${PREFIX}transform`);
    const logs = named("aws:cloudwatch/logGroup:LogGroup", `${PREFIX}delivery-logs`);
    const [data, raw] = [`arn:aws:s3:::${bucketName("data")}`, `arn:aws:s3:::${bucketName("raw")}`];
    expect(policyOf("delivery-policy").Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
        Resource: [data, raw],
      },
      {
        Effect: "Allow",
        Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
        Resource: [`${data}/*`, `${raw}/*`],
      },
      {
        Effect: "Allow",
        Action: ["lambda:GetFunctionConfiguration", "lambda:InvokeFunction"],
        Resource: [transform.computed.arn],
      },
      { Effect: "Allow", Action: ["logs:PutLogEvents"], Resource: [`${logs.computed.arn}:log-stream:*`] },
    ]);
  });
});

describe("the buckets", () => {
  it.each([
    ["data", 90],
    ["raw", 14],
  ])("%s: current objects expire after the configured %i days, old versions too", (resource, days) => {
    const rules = named(
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      `${PREFIX}${resource}-lifecycle`,
    ).inputs.rules;
    expect(rules).toEqual([
      expect.objectContaining({
        status: "Enabled",
        expiration: { days },
        noncurrentVersionExpiration: { noncurrentDays: 30 },
      }),
    ]);
  });
});

describe("the transformation", () => {
  it("gets the stack's transform configuration and nothing it could call AWS with", () => {
    const fn = named("aws:lambda/function:Function", `${PREFIX}transform`).inputs;
    const variables = (fn.environment as { variables: Record<string, string> }).variables;
    expect(JSON.parse(variables.TELEMETRY_CONFIG as string)).toMatchObject({
      messages: [{ topic: "fleet-staging/telemetry/#", deviceId: { topicLevel: 3 } }],
      output: { format: "jsonl" },
    });
    const actions = policyOf("transform-policy").Statement.flatMap((s) => s.Action);
    expect(actions.sort()).toEqual(
      [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
      ].sort(),
    );
  });
});

describe("queryable with Athena", () => {
  const JSON_SERDE = expect.objectContaining({ serializationLibrary: "org.openx.data.jsonserde.JsonSerDe" });
  const COLUMNS = [
    { name: "topic", type: "string" },
    { name: "deviceid", type: "string" },
    { name: "timestamp", type: "string" },
    { name: "receivedat", type: "string" },
    { name: "temperature", type: "double" },
    { name: "battery", type: "double" },
  ];

  it("catalogs the data prefix per device with partition projection: dates as a range, devices injected", () => {
    const database = named("aws:glue/catalogDatabase:CatalogDatabase", `${PREFIX}catalog`);
    expect(database.inputs.name).toBe("fleet_staging_telemetry_parser_catalog");
    const table = named("aws:glue/catalogTable:CatalogTable", `${PREFIX}table`).inputs;
    const bucket = bucketName("data");
    expect(table).toEqual(
      expect.objectContaining({
        name: "telemetry",
        databaseName: "fleet_staging_telemetry_parser_catalog",
        tableType: "EXTERNAL_TABLE",
        partitionKeys: [
          { name: "device", type: "string" },
          { name: "dt", type: "string" },
        ],
        parameters: {
          classification: "json",
          compressionType: "gzip",
          "projection.enabled": "true",
          "storage.location.template": `s3://${bucket}/data/device=\${device}/dt=\${dt}/`,
          "projection.device.type": "injected",
          "projection.dt.type": "date",
          "projection.dt.format": "yyyy-MM-dd",
          "projection.dt.range": "2000-01-01,NOW+1DAYS",
          "projection.dt.interval": "1",
          "projection.dt.interval.unit": "DAYS",
        },
      }),
    );
    expect(table.storageDescriptor).toEqual(
      expect.objectContaining({ location: `s3://${bucket}/data/`, columns: COLUMNS, serDeInfo: JSON_SERDE }),
    );
  });

  it("catalogs the whole fleet in a second table over the same objects (device first: no partition to name)", () => {
    const table = named("aws:glue/catalogTable:CatalogTable", `${PREFIX}fleet-table`).inputs;
    expect(table).toEqual(
      expect.objectContaining({
        name: "telemetry_fleet",
        databaseName: "fleet_staging_telemetry_parser_catalog",
        partitionKeys: [],
        parameters: { classification: "json", compressionType: "gzip" },
      }),
    );
    expect(table.storageDescriptor).toEqual(
      expect.objectContaining({
        location: `s3://${bucketName("data")}/data/`,
        columns: COLUMNS,
        serDeInfo: JSON_SERDE,
      }),
    );
  });

  it("has every column and partition the package README's queries use", () => {
    const readme = readFileSync(
      join(findRepoRoot(import.meta.dirname), "packages/telemetry-parser/README.md"),
      "utf8",
    );
    const queries = [...readme.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1] as string);
    expect(queries.length).toBeGreaterThanOrEqual(2);
    for (const query of queries) {
      const tableName = /FROM fleet_prod_telemetry_parser_catalog\.(\w+)/.exec(query)?.[1];
      const table = ofType("aws:glue/catalogTable:CatalogTable").find((r) => r.inputs.name === tableName);
      if (!table) throw new Error(`the README queries ${tableName}, which infra does not create`);
      const names = new Set([
        ...(table.inputs.storageDescriptor as { columns: Array<{ name: string }> }).columns.map(
          (c) => c.name,
        ),
        ...(table.inputs.partitionKeys as Array<{ name: string }>).map((k) => k.name),
      ]);
      const used = [
        ...query.matchAll(/\b(deviceid|timestamp|receivedat|temperature|battery|device|dt|topic)\b/g),
      ].map((match) => match[1] as string);
      expect(used.length).toBeGreaterThan(0);
      for (const column of used)
        expect({ tableName, column, known: names.has(column) }).toEqual({ tableName, column, known: true });
    }
  });
});

describe("the device policy", () => {
  it("lets a device connect only as its own thing and publish only under its own topic", () => {
    const policy = named("aws:iot/policy:Policy", `${PREFIX}device`).inputs;
    const arn = (resource: string) => `arn:aws:iot:${REGION}:${MOCK_ACCOUNT_ID}:${resource}`;
    expect(JSON.parse(policy.policy as string).Statement).toEqual([
      {
        Effect: "Allow",
        Action: ["iot:Connect"],
        Resource: [arn("client/${iot:Connection.Thing.ThingName}")],
        Condition: { Bool: { "iot:Connection.Thing.IsAttached": "true" } },
      },
      {
        Effect: "Allow",
        Action: ["iot:Publish"],
        Resource: [
          arn("topic/fleet-staging/telemetry/${iot:Connection.Thing.ThingName}"),
          arn("topic/fleet-staging/telemetry/${iot:Connection.Thing.ThingName}/*"),
        ],
      },
    ]);
  });
});

describe("alarms", () => {
  it("alert on records the transformation failed and on Firehose failing to invoke it or to deliver", () => {
    const alarm = (part: string) =>
      named("aws:cloudwatch/metricAlarm:MetricAlarm", `${PREFIX}${part}`).inputs;
    expect(alarm("processing-failed")).toEqual(
      expect.objectContaining({
        namespace: "Fleet/staging",
        metricName: "RecordsProcessingFailed",
        dimensions: { service: "transform" },
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    expect(alarm("over-limit")).toEqual(
      expect.objectContaining({ namespace: "Fleet/staging", metricName: "RecordsOverLimit" }),
    );
    const stream = named("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", `${PREFIX}delivery`);
    expect(alarm("partitions-exceeded")).toEqual(
      expect.objectContaining({
        namespace: "AWS/Firehose",
        metricName: "PartitionCountExceeded",
        dimensions: { DeliveryStreamName: stream.computed.name },
        threshold: 1,
      }),
    );
    for (const [part, rule] of [
      ["rule", "fleet_staging_telemetry_parser_rule"],
      ["rule-refused", "fleet_staging_telemetry_parser_rule_refused"],
    ])
      for (const metricName of ["Failure", "ParseError", "RuleMessageThrottled"])
        expect(alarm(`${part}-${metricName.toLowerCase()}`)).toEqual(
          expect.objectContaining({
            namespace: "AWS/IoT",
            metricName,
            dimensions: { RuleName: rule },
            threshold: 1,
          }),
        );
    for (const [part, metricName] of [
      ["delivery-failed", "DeliveryToS3.Success"],
      ["backup-failed", "BackupToS3.Success"],
      ["invocation-failed", "ExecuteProcessing.Success"],
    ] as const) {
      expect(alarm(part)).toEqual(
        expect.objectContaining({
          namespace: "AWS/Firehose",
          metricName,
          dimensions: { DeliveryStreamName: stream.computed.name },
          statistic: "Minimum",
          comparisonOperator: "LessThanThreshold",
          threshold: 1,
        }),
      );
    }
  });
});

it("protects the stream, the device policy and the catalog in staging, and keeps the buckets", () => {
  const options = (type: string, name: string) => {
    const { protect, retainOnDelete } = named(type, name).options;
    return { protect, retainOnDelete };
  };
  expect(options("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", `${PREFIX}delivery`)).toEqual({
    protect: true,
    retainOnDelete: false,
  });
  expect(options("aws:iot/policy:Policy", `${PREFIX}device`).protect).toBe(true);
  expect(options("aws:glue/catalogDatabase:CatalogDatabase", `${PREFIX}catalog`).protect).toBe(true);
  expect(options("aws:s3/bucket:Bucket", `${PREFIX}data`)).toEqual({ protect: true, retainOnDelete: true });
});
