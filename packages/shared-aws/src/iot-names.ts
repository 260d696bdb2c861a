// AWS IoT naming rules (the service model's patterns), and the check that a name carries the stack's prefix:
// shared by every domain that names things, groups, jobs and streams.
import { ValidationError } from "./errors";

/** Thing and thing group names: 1–128 of `[a-zA-Z0-9:_-]`. */
export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
/** A thing's name or its ARN (`arn:aws:iot:<region>:<account>:thing/<name>`). */
export const THING_NAME_OR_ARN = /^(arn:aws[a-z-]*:iot:[a-z0-9-]+:\d{12}:thing\/)?[a-zA-Z0-9:_-]{1,128}$/;
/** OTA stream ids: 1–128 of `[a-zA-Z0-9_-]`. */
export const STREAM_ID = /^[a-zA-Z0-9_-]{1,128}$/;
/** IAM role ARNs, as IoT takes them for streams, presigned URLs and job templates. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** The thing name of a thing ARN (or of a name, unchanged); execution summaries name things by ARN. */
export const thingNameOf = (nameOrArn: string) => nameOrArn.slice(nameOrArn.lastIndexOf("/") + 1);

/**
 * A deployed stack grants its tools only names under its prefix, so a name outside it is refused before any
 * call, naming the field and the setting, instead of denied half-way. An empty prefix allows every name; an
 * absent field is not checked.
 */
export function requireNamePrefix(
  prefix: string,
  setting: string,
  names: Record<string, string | null | undefined>,
): void {
  const problems = Object.entries(names).flatMap(([field, value]) =>
    typeof value === "string" && !value.startsWith(prefix)
      ? [
          `${field}: ${JSON.stringify(value)} must start with ${JSON.stringify(prefix)} (${setting}: this stack's IAM grants cover only names with that prefix)`,
        ]
      : [],
  );
  if (problems.length > 0) throw new ValidationError(problems);
}
