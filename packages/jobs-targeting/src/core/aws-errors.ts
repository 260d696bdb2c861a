// AWS answers that are expected outcomes rather than failures, recognised by error name (not HTTP status).
import { errorName } from "@fleet/shared-aws";

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
