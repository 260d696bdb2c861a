// Powertools Metrics for every handler: one namespace per stack (POWERTOOLS_METRICS_NAMESPACE, which infra sets),
// the handler's name as the `service` dimension, a ColdStart count and the counts of a resumable step. What an
// invocation records leaves as one EMF line on stdout when it ends. With no namespace (tests, local runs)
// nothing is printed: what was recorded is dropped at the end of the invocation.
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { MiddlewareObj } from "@middy/core";
import { STEP_METRICS } from "./metric-names";

let sharedMetrics: Metrics | undefined;

/** One Metrics per container; POWERTOOLS_SERVICE_NAME overrides the service name, as for the logger. */
export function containerMetrics(serviceName: string): Metrics {
  sharedMetrics ??= new Metrics({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
  return sharedMetrics;
}

/** The part of a resumable step's answer (`{done, cursor, counts, failures, run}`) that is published. */
export interface StepCounts {
  done: boolean;
  /** Totals since the step's first invocation: they travel in the cursor from one invocation to the next. */
  counts: Record<string, number>;
  /** This invocation's AWS calls. */
  run?: { attempts?: number; throttles?: number };
}

export function isStepResult(value: unknown): value is StepCounts {
  if (typeof value !== "object" || value === null) return false;
  const { done, counts } = value as Record<string, unknown>;
  return typeof done === "boolean" && typeof counts === "object" && counts !== null && !Array.isArray(counts);
}

/**
 * A step's counts are published once, when it is done, so that they add up to the step's totals however many
 * invocations it took; attempts and throttles belong to each invocation and are published every time.
 */
export function recordStep(metrics: Metrics, result: StepCounts): void {
  // CloudWatch takes names of 1-255 characters; a count that cannot be published must not fail a step whose work
  // is done.
  const add = (name: string, value: unknown) => {
    if (name.length === 0 || name.length > 255 || typeof value !== "number" || !Number.isFinite(value))
      return;
    metrics.addMetric(name, MetricUnit.Count, value);
  };
  if (result.done) for (const [label, value] of Object.entries(result.counts)) add(label, value);
  add(STEP_METRICS.attempts, result.run?.attempts);
  add(STEP_METRICS.throttles, result.run?.throttles);
}

/**
 * Records the cold start and a step result's counts, and flushes once per invocation, failed or not. Powertools'
 * own logMetrics middleware would print the cold start as a separate line and warn on every invocation that
 * records nothing.
 */
export function publishMetrics(metrics: Metrics): MiddlewareObj {
  const enabled = Boolean(process.env.POWERTOOLS_METRICS_NAMESPACE?.trim());
  // A container initialised ahead of traffic by provisioned concurrency never makes a caller wait.
  let coldStart = process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== "provisioned-concurrency";
  const flush = () => {
    if (enabled && metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
      return;
    }
    metrics.clearMetrics();
    metrics.clearDimensions();
    metrics.clearMetadata();
  };
  return {
    before() {
      if (coldStart) metrics.addMetric("ColdStart", MetricUnit.Count, 1);
      coldStart = false;
    },
    after(request) {
      if (isStepResult(request.response)) recordStep(metrics, request.response);
      flush();
    },
    onError() {
      flush();
    },
  };
}
