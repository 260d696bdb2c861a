// AWS error responses as the SDK raises them, for fakes: named by the error type, with the HTTP status.

type AwsError = Error & { $metadata: { httpStatusCode: number } };

export const awsError = (name: string, httpStatusCode: number, message: string = name): AwsError =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

/** What an IoT control-plane API answers when throttled: HTTP 400, named by its type. */
export const throttlingError = (): AwsError => awsError("ThrottlingException", 400, "Rate exceeded");

/** What IoT, Step Functions and DynamoDB answer for a thing, group, job or execution that does not exist. */
export const resourceNotFoundError = (message = "not found"): AwsError =>
  awsError("ResourceNotFoundException", 404, message);

/** S3's answer to HeadObject of a missing key: a bare 404, named `NotFound` (a HEAD response has no body). */
export const s3NotFound = (): AwsError => awsError("NotFound", 404, "Not Found");

/** S3's answer to GetObject of a missing key. */
export const noSuchKey = (): AwsError => awsError("NoSuchKey", 404, "The specified key does not exist.");
