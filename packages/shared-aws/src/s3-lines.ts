// Streams an S3 object line by line with the byte offset after each line, so a reader can resume exactly where
// it stopped. The encoding is read from the byte-order mark: UTF-8 (with or without one), UTF-16 LE or BE
// (spreadsheet tools export "Unicode text" so). Bytes that are not valid in that encoding are an error, never
// replacement characters: a list read wrongly would silently hold other names than it says. Accepts LF, CRLF
// and lone CR, blank lines and surrounding whitespace; memory stays flat whatever the object's size (only the
// current partial line is held).
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { AppError } from "./errors";

export interface Line {
  /** The line, trimmed; blank lines are never yielded. */
  text: string;
  /** 1-based number of the physical line in the object. */
  number: number;
  /** Byte offset just past this line's terminator: pass it as `from` to resume after this line. */
  end: number;
}

export type TextEncoding = "UTF-8" | "UTF-16LE" | "UTF-16BE";

export interface LineSplitOptions {
  /** Byte offset of the first chunk in the object. */
  from?: number;
  /**
   * The object's encoding, as its start says (`detectEncoding`): needed when resuming (`from` > 0), since the
   * byte-order mark is only at byte 0. From byte 0 it is detected.
   */
  encoding?: TextEncoding;
  /** Physical line number of the first line (when resuming, for messages only). */
  firstLineNumber?: number;
  /** A longer line is an error, not a memory blow-up. Default 64 KiB. */
  maxLineBytes?: number;
  /** What the bytes are, for messages (e.g. `s3://bucket/key`). */
  source?: string;
}

/** A line that cannot be read: bytes invalid in the object's encoding, or a line longer than the limit. */
export class UnreadableLineError extends AppError {
  override name = "UnreadableLine";
}

const CR = 0x0d;
const LF = 0x0a;
/** Bytes enough to recognise any byte-order mark this reader knows. */
const BOM_PROBE = 3;

/** The encoding a byte-order mark at the start of `head` names (UTF-8 without one), and the mark's length. */
export function detectEncoding(head: Uint8Array): { encoding: TextEncoding; bomLength: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: "UTF-8", bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: "UTF-16LE", bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: "UTF-16BE", bomLength: 2 };
  return { encoding: "UTF-8", bomLength: 0 };
}

interface Decoding {
  /** Bytes per code unit. */
  unit: 1 | 2;
  /** The code unit starting at byte `i`. */
  at: (bytes: Uint8Array, i: number) => number;
  decoder: { decode(bytes: Uint8Array): string };
}

// fatal: invalid bytes throw instead of becoming U+FFFD. ignoreBOM: the mark is ours to strip, at byte 0 only.
const DECODINGS: Record<TextEncoding, Decoding> = {
  "UTF-8": {
    unit: 1,
    at: (b, i) => b[i] as number,
    decoder: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }),
  },
  "UTF-16LE": {
    unit: 2,
    at: (b, i) => (b[i] as number) | ((b[i + 1] as number) << 8),
    decoder: new TextDecoder("utf-16le", { fatal: true, ignoreBOM: true }),
  },
  "UTF-16BE": {
    unit: 2,
    at: (b, i) => ((b[i] as number) << 8) | (b[i + 1] as number),
    decoder: new TextDecoder("utf-16be", { fatal: true, ignoreBOM: true }),
  },
};

/** Splits a byte stream into trimmed, non-blank lines with resumable offsets. */
export async function* splitLines(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: LineSplitOptions = {},
): AsyncGenerator<Line> {
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  const source = options.source ?? "input";
  let offset = options.from ?? 0; // absolute offset of pending[0]
  if (offset > 0 && !options.encoding) {
    throw new RangeError(`${source}: resuming at byte ${offset} needs the encoding detected at byte 0`);
  }
  let lineNumber = options.firstLineNumber ?? 1;
  let pending: Uint8Array = new Uint8Array(0);
  let encoding = offset > 0 ? options.encoding : undefined;
  let decoding = encoding ? DECODINGS[encoding] : undefined;

  /** Reads the byte-order mark (at byte 0) and drops it. */
  const start = (): Decoding => {
    const detected = detectEncoding(pending);
    encoding = detected.encoding;
    pending = pending.subarray(detected.bomLength);
    offset += detected.bomLength;
    return DECODINGS[encoding];
  };

  const emit = ({ decoder }: Decoding, bytes: Uint8Array, from: number, end: number): Line | undefined => {
    let text: string;
    try {
      text = decoder.decode(bytes).trim();
    } catch (error) {
      throw new UnreadableLineError(
        `${source}: line ${lineNumber} (bytes ${from}–${from + bytes.length}) is not valid ${encoding}; save the list as UTF-8 (or UTF-16 with a byte-order mark)`,
        { cause: error },
      );
    }
    const line = text === "" ? undefined : { text, number: lineNumber, end };
    lineNumber += 1;
    return line;
  };

  /** The complete lines in `pending` (all of it at the end of the stream), which then keeps the rest. */
  function* cut(d: Decoding, final: boolean): Generator<Line> {
    const { unit, at } = d;
    let begin = 0;
    for (let i = 0; i + unit <= pending.length; i += unit) {
      const code = unit === 1 ? (pending[i] as number) : at(pending, i); // UTF-8 stays a plain byte loop
      if (code !== LF && code !== CR) continue;
      // A CR at the end of what we have may be the first half of CRLF: wait for the next chunk.
      const hasNext = i + 2 * unit <= pending.length;
      if (code === CR && !hasNext && !final) break;
      const terminator = code === CR && hasNext && at(pending, i + unit) === LF ? 2 : 1;
      const end = offset + i + terminator * unit;
      const line = emit(d, pending.subarray(begin, i), offset + begin, end);
      if (line) yield line;
      i += (terminator - 1) * unit;
      begin = i + unit;
    }
    offset += begin;
    pending = pending.subarray(begin);
    if (final && pending.length > 0) {
      const line = emit(d, pending, offset, offset + pending.length);
      if (line) yield line;
    } else if (pending.length > maxLineBytes) {
      throw new UnreadableLineError(
        `${source}: line ${lineNumber} is longer than ${maxLineBytes} bytes (at byte ${offset})`,
      );
    }
  }

  for await (const chunk of chunks) {
    pending = pending.length === 0 ? chunk : concat(pending, chunk);
    if (!decoding) {
      if (pending.length < BOM_PROBE) continue;
      decoding = start();
    }
    yield* cut(decoding, false);
  }
  decoding ??= start();
  yield* cut(decoding, true);
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
  /** Read this version of the object (in a versioned bucket). */
  versionId?: string;
  /** Read the object only while its ETag is this one: a changed object is a PreconditionFailed error. */
  etag?: string;
}

/**
 * Lines of an S3 object from `from` on, read with a ranged GET so resuming never re-reads the start (only its
 * first bytes, for the byte-order mark). `versionId` and `etag` pin what is read, so every resumed read sees
 * the same bytes.
 */
export async function* readS3Lines(
  s3: S3Client,
  source: S3LineSource,
  options: Omit<LineSplitOptions, "from" | "encoding" | "source"> = {},
): AsyncGenerator<Line> {
  const from = source.from ?? 0;
  const get = (range: string | undefined) =>
    s3.send(
      new GetObjectCommand({
        Bucket: source.bucket,
        Key: source.key,
        VersionId: source.versionId,
        IfMatch: source.etag === undefined ? undefined : `"${source.etag}"`,
        Range: range,
      }),
    );
  const encoding =
    from > 0
      ? detectEncoding(await bytesOf((await get(`bytes=0-${BOM_PROBE - 1}`)).Body)).encoding
      : undefined;
  let body: AsyncIterable<Uint8Array>;
  try {
    body = (await get(from > 0 ? `bytes=${from}-` : undefined)).Body as AsyncIterable<Uint8Array>;
  } catch (error) {
    // Resuming exactly at the end of the object: nothing is left to read.
    if (from > 0 && (error as { name?: string }).name === "InvalidRange") return;
    throw error;
  }
  const name = `s3://${source.bucket}/${source.key}${source.versionId ? ` (version ${source.versionId})` : ""}`;
  yield* splitLines(body, { ...options, from, encoding, source: name });
}

async function bytesOf(body: unknown): Promise<Uint8Array> {
  let bytes: Uint8Array = new Uint8Array(0);
  for await (const chunk of body as AsyncIterable<Uint8Array>) bytes = concat(bytes, chunk);
  return bytes;
}
