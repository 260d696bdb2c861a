// Test tooling, never deployed: what Firehose does around the transformation, which the local emulator does not
// (moto's Firehose writes to S3 but never calls a processor and has no dynamic partitioning). It buffers records
// into batches of the processor's size, backs each batch up raw, invokes the real handler, checks the answer
// against the contract, and writes Ok records under the data prefix their partition keys resolve, GZIP-compressed,
// and ProcessingFailed ones (original data) under the error prefix, as Firehose documents it. An Ok record
// missing a partition key goes under the error prefix as a partitioning failure, and a handler that throws (or
// breaks the contract) fails the whole batch, every record under processing-failed, as Firehose does once its
// retries are spent. Exported as `@fleet/telemetry-parser/testing`; no handler imports it.
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { FirehoseRecord, TransformedRecord } from "../core/transform";

export interface LocalDestination {
  bucket: string;
  /** With `!{partitionKeyFromLambda:<key>}` and `!{timestamp:<yyyy|MM|dd|HH>}` expressions. */
  prefix: string;
  errorOutputPrefix: string;
  fileExtension: string;
  backup: { bucket: string; prefix: string };
  /** The processor's buffer: a batch is at most this many bytes of record data (the seed's 1 MB). */
  batchBytes: number;
  /** The processor's ARN, written into each error record as Firehose does. */
  lambdaArn: string;
}

/** One line of an object under the error prefix, as Firehose writes it. */
export interface ErrorRecord {
  attemptsMade: number;
  arrivalTimestamp: number;
  errorCode: string;
  errorMessage: string;
  attemptEndingTimestamp: number;
  /** The record as it arrived, base64. */
  rawData: string;
  lambdaArn: string;
}

export interface DeliveryReport {
  invocations: number;
  ok: number;
  dropped: number;
  failed: number;
  /** Ok records Firehose could not partition (a key missing from the answer's metadata). */
  unpartitioned: number;
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

  /** One PutRecord of the IoT rule's action: the message and its separator. `recordId` only to test the contract. */
  put(data: string | Uint8Array, recordId?: string): void {
    this.sequence++;
    this.pending.push({
      recordId: recordId ?? `${Date.now()}${String(this.sequence).padStart(12, "0")}`,
      approximateArrivalTimestamp: Date.now(),
      data: Buffer.from(data).toString("base64"),
    });
  }

  /** Delivers everything put so far, one processor invocation per batch. */
  async flush(): Promise<DeliveryReport> {
    const report: DeliveryReport = {
      invocations: 0,
      ok: 0,
      dropped: 0,
      failed: 0,
      unpartitioned: 0,
      objects: [],
    };
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
    const answered = await this.answers(batch);
    const partitions = new Map<string, Buffer[]>();
    const failures: string[] = [];
    const unpartitioned: string[] = [];
    const errorLine = (record: FirehoseRecord, errorCode: string, errorMessage: string) => {
      const line: ErrorRecord = {
        attemptsMade: 1,
        arrivalTimestamp: record.approximateArrivalTimestamp ?? now.getTime(),
        errorCode,
        errorMessage,
        attemptEndingTimestamp: now.getTime(),
        rawData: record.data as string,
        lambdaArn: this.destination.lambdaArn,
      };
      return `${JSON.stringify(line)}\n`;
    };
    const seen = new Set<string>();
    for (const record of batch) {
      // A repeated id is one record to Firehose: answered, delivered and failed once.
      if (seen.has(record.recordId)) continue;
      seen.add(record.recordId);
      const answer = answered instanceof Map ? answered.get(record.recordId) : undefined;
      if (answer?.result === "Ok") {
        let key: string | undefined;
        try {
          key = resolvePrefix(this.destination.prefix, now, answer.metadata?.partitionKeys);
        } catch (error) {
          report.unpartitioned++;
          unpartitioned.push(
            errorLine(record, "DynamicPartitioning.MetadataExtractionFailed", String(error)),
          );
          continue;
        }
        report.ok++;
        partitions.set(key, [...(partitions.get(key) ?? []), Buffer.from(answer.data, "base64")]);
      } else if (answer?.result === "Dropped") report.dropped++;
      else {
        report.failed++;
        failures.push(
          answered instanceof Map
            ? errorLine(record, "Lambda.ProcessingFailedStatus", "The record was marked ProcessingFailed")
            : errorLine(record, "Lambda.FunctionError", answered),
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
    for (const [type, lines] of [
      ["processing-failed", failures],
      ["partitioning-failed", unpartitioned],
    ] as const) {
      if (lines.length === 0) continue;
      const prefix = resolvePrefix(this.destination.errorOutputPrefix, now, {}, type);
      await this.write(report, this.destination.bucket, prefix, Buffer.from(lines.join("")), ".json.gz");
    }
  }

  /**
   * The answers by recordId, or why the whole batch failed: the handler threw, or did not answer every distinct
   * recordId exactly once (the transformation answers a repeated id once, so Firehose's check is on distinct ids).
   */
  private async answers(batch: FirehoseRecord[]): Promise<Map<string, TransformedRecord> | string> {
    let answers: TransformedRecord[];
    try {
      ({ records: answers } = await this.transform({ invocationId: randomUUID(), records: batch }));
    } catch (error) {
      return `The Lambda function failed: ${(error as Error).message}`;
    }
    const answered = new Map(answers.map((answer) => [answer.recordId, answer]));
    const ids = new Set(batch.map((record) => record.recordId));
    const kept =
      answers.length === ids.size && answered.size === ids.size && [...ids].every((id) => answered.has(id));
    return kept ? answered : "The response did not answer every recordId exactly once";
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
