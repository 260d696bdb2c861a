// Pulumi SDK mocks standing in for AWS: every registration is recorded, and the fields AWS would compute
// (ARNs, generated names) are filled in deterministically so that policies and definitions can be checked.
// The SDK's mock monitor neither runs transforms nor passes resource options on; these mocks run the stack's
// and the resource's transforms as the engine would, and record the options they set (protect, retainOnDelete):
// a program that sets its options through transforms is seen here exactly as the engine sees it.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** The example account id of the AWS documentation: obviously not a real account. */
export const MOCK_ACCOUNT_ID = "123456789012";

export interface RecordedResource {
  type: string;
  name: string;
  /** Component resources group children; custom resources are what AWS would create. */
  custom: boolean;
  inputs: Record<string, unknown>;
  /** The fields AWS would have computed (physical name, ARN), as the mocks answered them. */
  computed: Record<string, unknown>;
  /** The resource options the transforms set. */
  options: RecordedOptions;
}

export interface RecordedOptions {
  protect: boolean;
  retainOnDelete: boolean;
}

/** Pulumi appends 7 random hex digits to a logical name; these are derived from the name instead. */
const autoName = (name: string, prefix = `${name}-`) =>
  `${prefix}${createHash("sha256").update(name).digest("hex").slice(0, 7)}`;

/** A file archive arrives with its path as a promise; the record gets `{ fileArchive: <path> }` once it resolves. */
function recordable(inputs: Record<string, unknown>): Record<string, unknown> {
  const record = { ...inputs };
  for (const [key, value] of Object.entries(inputs)) {
    if (value instanceof pulumi.asset.FileArchive) {
      void Promise.resolve(value.path).then((path) => {
        record[key] = { fileArchive: path };
      });
    }
  }
  return record;
}

/** The props with each output among them replaced by its value, as the SDK serializes a transform's result. */
async function resolvedProps(props: pulumi.Inputs): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(props).map(
      async ([key, value]) =>
        [
          key,
          pulumi.Output.isInstance(value)
            ? await new Promise((resolve) => value.apply((plain) => resolve(plain)))
            : value,
        ] as const,
    ),
  );
  return Object.fromEntries(entries);
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  private readonly stackTransforms: pulumi.ResourceTransform[] = [];

  constructor(
    private readonly region: string,
    private readonly accountId = MOCK_ACCOUNT_ID,
  ) {}

  registerTransform(transform: pulumi.ResourceTransform): void {
    this.stackTransforms.push(transform);
  }

  async newResource(
    args: pulumi.runtime.MockResourceArgs,
  ): Promise<{ id: string; state: Record<string, unknown> }> {
    const custom = args.custom ?? true;
    let inputs = args.inputs as Record<string, unknown>;
    // The resource's own transforms first, then the stack's, in the order they were registered.
    let opts: pulumi.ResourceOptions = {};
    for (const transform of [...(args.transforms ?? []), ...this.stackTransforms]) {
      const result = await transform({ custom, type: args.type, name: args.name, props: inputs, opts });
      if (result) {
        // A transform may set outputs (an ARN read through the provider); the engine gets their values.
        inputs = await resolvedProps(result.props);
        opts = result.opts;
      }
    }
    const computed = this.computed(args.type, args.name, inputs);
    this.resources.push({
      type: args.type,
      name: args.name,
      custom,
      inputs: recordable(inputs),
      computed,
      options: { protect: opts.protect === true, retainOnDelete: opts.retainOnDelete === true },
    });
    return {
      id: (computed.keyId ?? computed.name ?? computed.bucket ?? computed.arn ?? `${args.name}-id`) as string,
      state: { ...inputs, ...computed },
    };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const { region, accountId } = this;
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId,
          arn: `arn:aws:iam::${accountId}:user/offline`,
          userId: "OFFLINE",
          id: accountId,
        };
      case "aws:index/getPartition:getPartition":
        return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
      case "aws:index/getRegion:getRegion":
        return {
          region,
          name: region,
          description: region,
          endpoint: `ec2.${region}.amazonaws.com`,
          id: region,
        };
      case "aws:iot/getEndpoint:getEndpoint":
        return {
          endpointAddress: `example-ats.iot.${region}.amazonaws.com`,
          endpointType: "iot:Data-ATS",
          id: region,
        };
      default:
        throw new Error(`the offline mocks do not answer ${args.token}; add it to tools/mocks.ts`);
    }
  }

  /** What AWS would fill in: the physical name where the program left it to autonaming, and the ARN. */
  private computed(
    type: string,
    logicalName: string,
    inputs: Record<string, unknown>,
  ): Record<string, unknown> {
    const arn = (service: string, resource: string) =>
      `arn:aws:${service}:${this.region}:${this.accountId}:${resource}`;
    const globalArn = (service: string, resource: string) =>
      `arn:aws:${service}::${this.accountId}:${resource}`;
    const name =
      (inputs.name as string | undefined) ??
      (typeof inputs.namePrefix === "string"
        ? autoName(logicalName, inputs.namePrefix)
        : autoName(logicalName));
    switch (type) {
      case "aws:lambda/function:Function":
        return { name, arn: arn("lambda", `function:${name}`) };
      case "aws:iam/role:Role":
        return { name, arn: globalArn("iam", `role${(inputs.path as string | undefined) ?? "/"}${name}`) };
      case "aws:iam/policy:Policy":
        return {
          name,
          arn: globalArn("iam", `policy${(inputs.path as string | undefined) ?? "/"}${name}`),
        };
      case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        return { arn: globalArn("iam", `oidc-provider/${String(inputs.url).replace(/^https:\/\//, "")}`) };
      case "aws:kms/key:Key": {
        // A key id is a UUID; this one is derived from the logical name.
        const hex = createHash("sha256").update(logicalName).digest("hex");
        const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
        return { keyId, arn: arn("kms", `key/${keyId}`) };
      }
      case "aws:kms/alias:Alias":
        return { name, arn: arn("kms", name) };
      case "aws:cloudwatch/logGroup:LogGroup":
        return { name, arn: arn("logs", `log-group:${name}`) };
      case "aws:sfn/stateMachine:StateMachine":
        return { name, arn: arn("states", `stateMachine:${name}`) };
      case "aws:sns/topic:Topic":
        return { name, arn: arn("sns", name) };
      case "aws:sqs/queue:Queue":
        return {
          name,
          arn: arn("sqs", name),
          url: `https://sqs.${this.region}.amazonaws.com/${this.accountId}/${name}`,
        };
      case "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream":
        return { name, arn: arn("firehose", `deliverystream/${name}`) };
      case "aws:cloudwatch/metricAlarm:MetricAlarm":
        return { name, arn: arn("cloudwatch", `alarm:${name}`) };
      case "aws:dynamodb/table:Table":
        return { name, arn: arn("dynamodb", `table/${name}`) };
      case "aws:scheduler/schedule:Schedule":
        return {
          name,
          arn: arn("scheduler", `schedule/${(inputs.groupName as string | undefined) ?? "default"}/${name}`),
        };
      case "aws:s3/bucket:Bucket": {
        const bucket = (inputs.bucket as string | undefined) ?? autoName(logicalName);
        return { bucket, arn: `arn:aws:s3:::${bucket}` };
      }
      default:
        return {};
    }
  }
}
