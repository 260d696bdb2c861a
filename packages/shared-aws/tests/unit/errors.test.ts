import { describe, expect, it } from "@jest/globals";
import {
  AppError,
  ConflictError,
  classifyError,
  isAlreadyExists,
  isNotFound,
  normalizeError,
  TransientError,
  unlessNotFound,
} from "../../src";
import { awsError } from "../../src/testing";

describe("classifyError", () => {
  it("knows throttling by name, not status: IoT throttles with HTTP 400, the shadow service with 429", () => {
    expect(classifyError(awsError("ThrottlingException", 400))).toBe("throttle");
    expect(classifyError(awsError("TooManyRequestsException", 429))).toBe("throttle");
    expect(classifyError(awsError("SomethingElse", 429))).toBe("throttle");
  });

  it("treats 5xx and dropped connections as transient", () => {
    expect(classifyError(awsError("ServiceUnavailableException", 503))).toBe("transient");
    expect(classifyError(awsError("InternalFailureException", 500))).toBe("transient");
    expect(classifyError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))).toBe(
      "transient",
    );
  });

  it("knows a dropped connection by its message when the error lost its code", () => {
    expect(classifyError(new Error("read ECONNRESET"))).toBe("transient");
    expect(classifyError(new Error("getaddrinfo EAI_AGAIN iot.us-east-1.amazonaws.com"))).toBe("transient");
    expect(classifyError(new Error("socket hang up"))).toBe("transient");
    expect(classifyError(new Error("ECONNRESETTING is not a code"))).toBe("fatal");
  });

  it("treats client errors as fatal", () => {
    expect(classifyError(awsError("InvalidRequestException", 400))).toBe("fatal");
    expect(classifyError(awsError("ResourceNotFoundException", 404))).toBe("fatal");
    expect(classifyError("a string")).toBe("fatal");
  });
});

describe("normalizeError", () => {
  it("keeps AppErrors as they are", () => {
    const error = new ConflictError("job exists with another query");
    expect(normalizeError(error)).toBe(error);
    expect(error.name).toBe("ConflictError");
    expect(error.retryable).toBe(false);
  });

  it("turns throttling into a retryable TransientError with the cause", () => {
    const cause = awsError("ThrottlingException", 400);
    const error = normalizeError(cause);
    expect(error).toBeInstanceOf(TransientError);
    expect(error.name).toBe("TransientError");
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ awsErrorName: "ThrottlingException", httpStatusCode: 400 });
  });

  it("keeps the AWS name of a fatal error", () => {
    const error = normalizeError(awsError("ResourceNotFoundException", 404));
    expect(error).toBeInstanceOf(AppError);
    expect(error.name).toBe("ResourceNotFoundException");
    expect(error.retryable).toBe(false);
  });

  it("names plain errors UnexpectedError", () => {
    expect(normalizeError(new Error("boom")).name).toBe("UnexpectedError");
  });
});

describe("expected AWS answers", () => {
  const named = (name: string) => Object.assign(new Error(name), { name });

  it("recognises not-found and already-exists by name, whatever the service", () => {
    for (const name of ["ResourceNotFoundException", "NotFound", "NoSuchKey"])
      expect(isNotFound(named(name))).toBe(true);
    expect(isNotFound(named("AccessDenied"))).toBe(false);
    expect(isAlreadyExists(named("ResourceAlreadyExistsException"))).toBe(true);
    expect(isAlreadyExists(named("ConflictException"))).toBe(false);
  });

  it("unlessNotFound answers undefined for a missing resource and rethrows anything else", async () => {
    await expect(
      unlessNotFound(async () => Promise.reject(named("ResourceNotFoundException"))),
    ).resolves.toBeUndefined();
    await expect(unlessNotFound(async () => "found")).resolves.toBe("found");
    await expect(unlessNotFound(async () => Promise.reject(named("AccessDenied")))).rejects.toMatchObject({
      name: "AccessDenied",
    });
  });
});
