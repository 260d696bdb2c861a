// Pulumi SDK mocks standing in for AWS: every registration is recorded, and the fields AWS would compute
// (ARNs, generated names) are filled in deterministically so that policies and definitions can be checked.
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

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];

  constructor(private readonly region: string) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const computed = this.computed(args.type, args.name, inputs);
    this.resources.push({
      type: args.type,
      name: args.name,
      custom: args.custom ?? true,
      inputs: recordable(inputs),
      computed,
    });
    return {
      id: (computed.name ?? computed.bucket ?? `${args.name}-id`) as string,
      state: { ...inputs, ...computed },
    };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const { region } = this;
    switch (args.token) {
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return {
          accountId: MOCK_ACCOUNT_ID,
          arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/offline`,
          userId: "OFFLINE",
          id: MOCK_ACCOUNT_ID,
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
      `arn:aws:${service}:${this.region}:${MOCK_ACCOUNT_ID}:${resource}`;
    const name =
      (inputs.name as string | undefined) ??
      (typeof inputs.namePrefix === "string"
        ? autoName(logicalName, inputs.namePrefix)
        : autoName(logicalName));
    switch (type) {
      case "aws:lambda/function:Function":
        return { name, arn: arn("lambda", `function:${name}`) };
      case "aws:iam/role:Role":
        return { name, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${name}` };
      case "aws:cloudwatch/logGroup:LogGroup":
        return { name, arn: arn("logs", `log-group:${name}`) };
      case "aws:sfn/stateMachine:StateMachine":
        return { name, arn: arn("states", `stateMachine:${name}`) };
      case "aws:sns/topic:Topic":
        return { name, arn: arn("sns", name) };
      case "aws:dynamodb/table:Table":
        return { name, arn: arn("dynamodb", `table/${name}`) };
      case "aws:s3/bucket:Bucket": {
        const bucket = (inputs.bucket as string | undefined) ?? autoName(logicalName);
        return { bucket, arn: `arn:aws:s3:::${bucket}` };
      }
      default:
        return {};
    }
  }
}
