// A Lambda context for running a handler outside Lambda (local invoke, the demo, tests).
import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";

export function localContext(options: {
  functionName: string;
  timeoutMs?: number;
  memoryMb?: number;
  region?: string;
}): Context {
  const timeoutMs = options.timeoutMs ?? 900_000;
  const startedAt = Date.now();
  const region = options.region ?? process.env.AWS_REGION ?? "us-east-1";
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - startedAt)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
