// Typed errors every handler throws and every caller can reason about: an explicit `name` (Step Functions
// matches on it), the original `cause`, and whether trying again can help.

export interface AppErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  details?: Record<string, unknown>;
  /** Overrides the class name, e.g. to keep an AWS error's own name. */
  name?: string;
}

export class AppError extends Error {
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Names are spelled out, not taken from the class: a minifying bundler renames classes, and Step Functions
    // Retry rules and callers match on these names.
    this.name = options.name ?? "AppError";
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}

/** A bad event or argument: one message per bad field. Nothing was changed. */
export class ValidationError extends AppError {
  override name = "ValidationError";
  readonly issues: string[];

  constructor(issues: string[], subject = "event") {
    super(`Invalid ${subject}: ${issues.join("; ")}`, { details: { issues } });
    this.issues = issues;
  }
}

/** A missing or malformed environment variable, raised at cold start. */
export class ConfigError extends AppError {
  override name = "ConfigError";
}

/** The request contradicts something that already exists (e.g. the same job name with another query). */
export class ConflictError extends AppError {
  override name = "ConflictError";
}

/** Something the request names does not exist. */
export class NotFoundError extends AppError {
  override name = "NotFoundError";
}

/** Worth trying again: throttling, a 5xx, a dropped connection, a resource still being built. */
export class TransientError extends AppError {
  override name = "TransientError";

  constructor(message: string, options: Omit<AppErrorOptions, "retryable"> = {}) {
    super(message, { ...options, retryable: true });
  }
}

export type ErrorKind = "throttle" | "transient" | "fatal";

// Classified by name, not status: the IoT control plane throttles with HTTP 400, the shadow service with 429.
const THROTTLE_NAMES = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "Throttling",
  "ThrottledException",
  "RequestLimitExceeded",
  "RequestThrottledException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
]);
const TRANSIENT_NAMES = new Set([
  "ServiceUnavailableException",
  "ServiceUnavailable",
  "InternalFailureException",
  "InternalFailure",
  "InternalServerException",
  "InternalServerError",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
  "TransientError",
]);
// A dropped or refused connection: Node's error code, which a plain error that lost it still names in its message.
const NETWORK_CODES = ["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENOTFOUND"];
const NETWORK_MESSAGE = new RegExp(`\\b(${NETWORK_CODES.join("|")}|socket hang up)\\b`);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function classifyError(error: unknown): ErrorKind {
  if (typeof error !== "object" || error === null) return "fatal";
  const e = error as ErrorLike;
  const name = typeof e.name === "string" ? e.name : "";
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLE_NAMES.has(name) || status === 429) return "throttle";
  if (TRANSIENT_NAMES.has(name) || (typeof status === "number" && status >= 500)) return "transient";
  if (typeof e.code === "string" && NETWORK_CODES.includes(e.code)) return "transient";
  if (typeof e.message === "string" && NETWORK_MESSAGE.test(e.message)) return "transient";
  if (error instanceof AppError) return error.retryable ? "transient" : "fatal";
  return "fatal";
}

// AWS answers that are expected outcomes rather than failures, recognised by error name (not HTTP status).
const NOT_FOUND = new Set(["ResourceNotFoundException", "NotFound", "NoSuchKey"]);

export const isNotFound = (error: unknown) => NOT_FOUND.has(errorName(error));
export const isAlreadyExists = (error: unknown) => errorName(error) === "ResourceAlreadyExistsException";

/** The result of `call`, or undefined when AWS says the resource does not exist. */
export async function unlessNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Turns anything thrown into an AppError: AppErrors pass through, throttling and 5xx become a TransientError
 * (so one Step Functions Retry rule covers them), other errors keep their own name (plain `Error`s become
 * UnexpectedError).
 */
export function normalizeError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const kind = classifyError(error);
  const name = errorName(error);
  // Only AWS answers carry $metadata: anything else (a bug, a bad byte in a file) is not labelled an AWS error.
  const metadata = (error as ErrorLike | null)?.$metadata;
  const status = metadata?.httpStatusCode;
  const details = metadata
    ? { awsErrorName: name, ...(status === undefined ? {} : { httpStatusCode: status }) }
    : undefined;
  if (kind !== "fatal") {
    return new TransientError(`${name}: ${errorMessage(error)}`, { cause: error, details });
  }
  return new AppError(errorMessage(error), {
    cause: error,
    name: name === "Error" ? "UnexpectedError" : name,
    details,
  });
}
