// Objects in the lists bucket that a request names: checked to exist before anything is created.
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isNotFound, NotFoundError } from "@fleet/shared-aws";

export interface ObjectLocation {
  bucket: string;
  key: string;
}

/**
 * The object's ETag (its content identity), size and version (null in a bucket that never had versioning on), or
 * a NotFoundError naming the object.
 */
export async function headObject(
  s3: S3Client,
  object: ObjectLocation,
): Promise<{ etag: string; size: number; versionId: string | null }> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: object.bucket, Key: object.key }));
    return {
      etag: (head.ETag ?? "").replaceAll('"', ""),
      size: head.ContentLength ?? 0,
      versionId: head.VersionId ?? null,
    };
  } catch (error) {
    if (isNotFound(error))
      throw new NotFoundError(`s3://${object.bucket}/${object.key} does not exist`, { cause: error });
    throw error;
  }
}

/** The S3 object URL form CreateJob's documentSource takes. */
export async function objectUrl(s3: S3Client, object: ObjectLocation): Promise<string> {
  const region = await s3.config.region();
  const path = object.key.split("/").map(encodeURIComponent).join("/");
  return `https://s3.${region}.amazonaws.com/${object.bucket}/${path}`;
}
