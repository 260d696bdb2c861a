// The handler wrapper: Middy with one concern per middleware — Powertools logging with the Lambda context,
// Powertools metrics, event validation before any AWS call, and error normalisation. A handler module is wiring
// only. Schemas are any zod 4 schema (`zod/mini` keeps bundles small); see validation.ts.
import { Logger } from "@aws-lambda-powertools/logger";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import type { Metrics } from "@aws-lambda-powertools/metrics";
import middy, { type MiddlewareObj } from "@middy/core";
import type { Context } from "aws-lambda";
import type { $ZodType, input, output } from "zod/v4/core";
import { DEFAULT_DEADLINE_MARGIN_MS, deadlineFrom } from "./continuation";
import { normalizeError, ValidationError } from "./errors";
import { containerMetrics, publishMetrics } from "./metrics";
import { parseOrThrow } from "./validation";

export interface HandlerContext {
  logger: Logger;
  /** Flushed when the invocation ends; a step result's counts are added to it by the wrapper. */
  metrics: Metrics;
  lambda: Context;
  /** Epoch ms after which the handler should take no new work and return a cursor. */
  deadline: number;
}

export interface HandlerDefinition<S extends $ZodType, R> {
  /** Service name in every log line and metric (POWERTOOLS_SERVICE_NAME overrides it). */
  name: string;
  schema: S;
  /** Time kept back before the Lambda's own timeout; see deadlineFrom. */
  deadlineMarginMs?: number;
  handler: (event: output<S>, context: HandlerContext) => Promise<R>;
}

let sharedLogger: Logger | undefined;

/** One logger per container; Powertools reads POWERTOOLS_LOG_LEVEL and POWERTOOLS_SERVICE_NAME itself. */
export function containerLogger(serviceName: string): Logger {
  sharedLogger ??= new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
  return sharedLogger;
}

/** Replaces the raw event with the schema's output (defaults applied), or fails with one message per field. */
export function validateEvent(schema: $ZodType): MiddlewareObj {
  return {
    before(request) {
      request.event = parseOrThrow(schema, request.event ?? {}, "event");
    },
  };
}

/** One INFO line per successful invocation with its duration, so every run leaves a trace in the logs. */
export function logCompletion(logger: Logger): MiddlewareObj {
  let started = 0;
  return {
    before() {
      started = performance.now();
    },
    after() {
      logger.info("handled", { durationMs: Math.round(performance.now() - started) });
    },
  };
}

/** Every error leaves as an AppError (name, cause, retryable), logged once with its details. */
export function normalizeErrors(logger: Logger): MiddlewareObj {
  return {
    onError(request) {
      const error = normalizeError(request.error);
      const fields = {
        error: { name: error.name, message: error.message, retryable: error.retryable },
        ...error.details,
      };
      if (error instanceof ValidationError) logger.warn("rejected event", fields);
      else logger.error("handler failed", { ...fields, cause: error.cause });
      request.error = error;
    },
  };
}

export function defineHandler<S extends $ZodType, R>(definition: HandlerDefinition<S, R>) {
  const logger = containerLogger(definition.name);
  const metrics = containerMetrics(definition.name);
  const margin = definition.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS;
  // Callers send the schema's input (defaults optional); validateEvent hands the handler its output.
  return middy<input<S>, R, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics(metrics))
    .use(logCompletion(logger))
    .use(validateEvent(definition.schema))
    .use(normalizeErrors(logger))
    .handler((event, lambda) =>
      definition.handler(event as output<S>, {
        logger,
        metrics,
        lambda,
        deadline: deadlineFrom(lambda, margin),
      }),
    );
}
