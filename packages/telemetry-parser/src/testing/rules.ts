// The two topic rules in front of the local delivery (the emulator stores rules but never runs them): a
// publish the first rule accepts is put into the delivery stream; one it refuses is written by the second
// rule's S3 action under rule-errors/ in the data bucket, as JSON with its reason.
import { randomUUID } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { RULE_REFUSED_PREFIX } from "../core/layout";
import { applyRules } from "../core/rule";
import type { LocalDelivery } from "./firehose-driver";

export class LocalRules {
  refused = 0;
  constructor(
    private readonly s3: S3Client,
    private readonly dataBucket: string,
    private readonly delivery: LocalDelivery,
  ) {}

  async publish(topic: string, payload: string, receivedAt = Date.now()): Promise<void> {
    const outcome = applyRules(topic, receivedAt, payload);
    if (outcome.to === "stream") return this.delivery.put(outcome.record);
    this.refused++;
    const day = new Date(receivedAt).toISOString().slice(0, 10).replaceAll("-", "/");
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.dataBucket,
        Key: `${RULE_REFUSED_PREFIX}${day}/${randomUUID()}.json`,
        Body: JSON.stringify(outcome.record),
      }),
    );
  }
}
