// Streams an S3 object line by line with the byte offset after each line, so a reader can resume exactly where
// it stopped. Accepts LF, CRLF and lone CR, a UTF-8 byte-order mark, blank lines and surrounding whitespace;
// memory stays flat whatever the object's size (only the current partial line is held).
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";

export interface Line {
  /** The line, trimmed; blank lines are never yielded. */
  text: string;
  /** 1-based number of the physical line in the object. */
  number: number;
  /** Byte offset just past this line's terminator: pass it as `from` to resume after this line. */
  end: number;
}

export interface LineSplitOptions {
  /** Byte offset of the first chunk in the object. */
  from?: number;
  /** Physical line number of the first line (when resuming, for messages only). */
  firstLineNumber?: number;
  /** A longer line is an error, not a memory blow-up. Default 64 KiB. */
  maxLineBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const BOM = [0xef, 0xbb, 0xbf];
// ignoreBOM: a BOM is ours to strip, and only at the start of the object.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Splits a byte stream into trimmed, non-blank lines with resumable offsets. */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: LineSplitOptions = {},
): AsyncGenerator<Line> {
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  let offset = options.from ?? 0; // absolute offset of pending[0]
  let lineNumber = options.firstLineNumber ?? 1;
  let pending: Uint8Array = new Uint8Array(0);
  let atObjectStart = offset === 0;

  const emit = (bytes: Uint8Array, end: number): Line | undefined => {
    let body = bytes;
    if (atObjectStart && body.length >= 3 && body[0] === BOM[0] && body[1] === BOM[1] && body[2] === BOM[2]) {
      body = body.subarray(3);
    }
    atObjectStart = false;
    const text = decoder.decode(body).trim();
    const line = text === "" ? undefined : { text, number: lineNumber, end };
    lineNumber += 1;
    return line;
  };

  for await (const chunk of chunks) {
    pending = pending.length === 0 ? chunk : concat(pending, chunk);
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const byte = pending[i];
      if (byte !== LF && byte !== CR) continue;
      // A CR at the end of what we have may be the first half of CRLF: wait for the next chunk.
      if (byte === CR && i === pending.length - 1) break;
      const terminatorLength = byte === CR && pending[i + 1] === LF ? 2 : 1;
      const end = offset + i + terminatorLength;
      const line = emit(pending.subarray(start, i), end);
      if (line) yield line;
      i += terminatorLength - 1;
      start = i + 1;
    }
    offset += start;
    pending = pending.subarray(start);
    if (pending.length > maxLineBytes) {
      throw new RangeError(`line ${lineNumber} is longer than ${maxLineBytes} bytes (at byte ${offset})`);
    }
  }
  if (pending.length > 0) {
    const trailingCr = pending[pending.length - 1] === CR;
    const line = emit(trailingCr ? pending.subarray(0, -1) : pending, offset + pending.length);
    if (line) yield line;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

export interface S3LineSource {
  bucket: string;
  key: string;
  /** Byte offset to resume from (a previous Line.end). */
  from?: number;
}

/** Lines of an S3 object from `from` on, read with a ranged GET so resuming never re-reads the start. */
export async function* readS3Lines(
  s3: S3Client,
  source: S3LineSource,
  options: Omit<LineSplitOptions, "from"> = {},
) {
  const from = source.from ?? 0;
  let body: AsyncIterable<Uint8Array>;
  try {
    const object = await s3.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        ...(from > 0 ? { Range: `bytes=${from}-` } : {}),
      }),
    );
    body = object.Body as AsyncIterable<Uint8Array>;
  } catch (error) {
    // Resuming exactly at the end of the object: nothing is left to read.
    if (from > 0 && (error as { name?: string }).name === "InvalidRange") return;
    throw error;
  }
  yield* splitLines(body, { ...options, from });
}
