// Test tooling, never deployed: what Firehose does around the transformation, which the local emulator does not
// (moto's Firehose writes to S3 but never calls a processor and has no dynamic partitioning). It buffers records
// into batches of the processor's size, backs each batch up raw, invokes the real handler, checks the answer
// against the contract, and writes Ok records under the data prefix their partition keys resolve, GZIP-compressed,
// and ProcessingFailed ones (original data) under the error prefix, as Firehose documents it.
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { FirehoseRecord, TransformedRecord } from "../../src/core/transform";

export interface LocalDestination {
  bucket: string;
  /** With `!{partitionKeyFromLambda:<key>}` and `!{timestamp:<yyyy|MM|dd|HH>}` expressions. */
  prefix: string;
  errorOutputPrefix: string;
  fileExtension: string;
  backup: { bucket: string; prefix: string };
  /** The processor's buffer: a batch is at most this many bytes of record data (the seed's 1 MB). */
  batchBytes: number;
}

export interface DeliveryReport {
  invocations: number;
  ok: number;
  dropped: number;
  failed: number;
  /** Every object written, by bucket. */
  objects: Array<{ bucket: string; key: string }>;
}

type Transform = (event: { invocationId: string; records: FirehoseRecord[] }) => Promise<{
  records: TransformedRecord[];
}>;

const pad = (n: number) => String(n).padStart(2, "0");

/** Resolves Firehose's prefix expressions for one moment and one record's partition keys. */
export function resolvePrefix(
  prefix: string,
  at: Date,
  keys: Record<string, string> = {},
  errorType = "",
): string {
  const parts: Record<string, string> = {
    yyyy: String(at.getUTCFullYear()),
    MM: pad(at.getUTCMonth() + 1),
    dd: pad(at.getUTCDate()),
    HH: pad(at.getUTCHours()),
  };
  return prefix.replace(/!\{([a-zA-Z]+):([^}]*)\}/g, (expression, namespace: string, name: string) => {
    const value =
      namespace === "partitionKeyFromLambda"
        ? keys[name]
        : namespace === "timestamp"
          ? parts[name]
          : namespace === "firehose" && name === "error-output-type"
            ? errorType
            : undefined;
    if (value === undefined) throw new Error(`cannot resolve ${expression}`);
    return value;
  });
}

export class LocalDelivery {
  private pending: FirehoseRecord[] = [];
  private sequence = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly destination: LocalDestination,
    private readonly transform: Transform,
  ) {}

  /** One PutRecord of the IoT rule's action: the message and its separator. */
  put(data: string | Uint8Array): void {
    this.sequence++;
    this.pending.push({
      recordId: `${Date.now()}${String(this.sequence).padStart(12, "0")}`,
      approximateArrivalTimestamp: Date.now(),
      data: Buffer.from(data).toString("base64"),
    });
  }

  /** Delivers everything put so far, one processor invocation per batch. */
  async flush(): Promise<DeliveryReport> {
    const report: DeliveryReport = { invocations: 0, ok: 0, dropped: 0, failed: 0, objects: [] };
    const records = this.pending;
    this.pending = [];
    for (const batch of this.batches(records)) await this.deliver(batch, report);
    return report;
  }

  private *batches(records: FirehoseRecord[]): Generator<FirehoseRecord[]> {
    let batch: FirehoseRecord[] = [];
    let bytes = 0;
    for (const record of records) {
      const size = Buffer.byteLength(record.data as string, "base64");
      if (batch.length > 0 && bytes + size > this.destination.batchBytes) {
        yield batch;
        batch = [];
        bytes = 0;
      }
      batch.push(record);
      bytes += size;
    }
    if (batch.length > 0) yield batch;
  }

  private async deliver(batch: FirehoseRecord[], report: DeliveryReport): Promise<void> {
    const now = new Date();
    const raw = Buffer.concat(batch.map((record) => Buffer.from(record.data as string, "base64")));
    await this.write(
      report,
      this.destination.backup.bucket,
      resolvePrefix(this.destination.backup.prefix, now),
      raw,
      ".gz",
    );

    report.invocations++;
    const { records: answers } = await this.transform({ invocationId: randomUUID(), records: batch });
    const answered = new Map(answers.map((answer) => [answer.recordId, answer]));
    // Firehose treats a missing, unknown or repeated recordId as a failure of the whole batch.
    const contractKept =
      answers.length === batch.length && batch.every((record) => answered.get(record.recordId) !== undefined);
    const partitions = new Map<string, Buffer[]>();
    const failures: string[] = [];
    for (const record of batch) {
      const answer = contractKept ? answered.get(record.recordId) : undefined;
      if (answer?.result === "Ok") {
        report.ok++;
        const key = resolvePrefix(this.destination.prefix, now, answer.metadata?.partitionKeys);
        partitions.set(key, [...(partitions.get(key) ?? []), Buffer.from(answer.data, "base64")]);
      } else if (answer?.result === "Dropped") report.dropped++;
      else {
        report.failed++;
        failures.push(
          `${JSON.stringify({
            attemptsMade: 1,
            arrivalTimestamp: record.approximateArrivalTimestamp,
            errorCode: contractKept ? "Lambda.ProcessingFailed" : "Lambda.MissingRecordId",
            errorMessage: contractKept
              ? "The Lambda function marked the record ProcessingFailed"
              : "The response did not answer every recordId exactly once",
            attemptEndingTimestamp: now.getTime(),
            rawData: record.data,
          })}\n`,
        );
      }
    }
    for (const [prefix, chunks] of partitions)
      await this.write(
        report,
        this.destination.bucket,
        prefix,
        Buffer.concat(chunks),
        this.destination.fileExtension,
      );
    if (failures.length > 0) {
      const prefix = resolvePrefix(this.destination.errorOutputPrefix, now, {}, "processing-failed");
      await this.write(report, this.destination.bucket, prefix, Buffer.from(failures.join("")), ".json.gz");
    }
  }

  private async write(
    report: DeliveryReport,
    bucket: string,
    prefix: string,
    body: Buffer,
    extension: string,
  ) {
    const key = `${prefix}${randomUUID()}${extension}`;
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync(body) }));
    report.objects.push({ bucket, key });
  }
}
