// Encodings: what a byte-order mark says is what is read, resumable at any line's end; bytes that are not valid
// in that encoding are an error naming the line, never replacement characters.
import { describe, expect, it } from "@jest/globals";
import { detectEncoding, type Line, splitLines, type TextEncoding } from "../../src";

const utf8 = (text: string) => new TextEncoder().encode(text);
const UTF8_BOM = [0xef, 0xbb, 0xbf];

function utf16(text: string, order: "LE" | "BE", bom = true): Uint8Array {
  const out: number[] = order === "LE" ? [0xff, 0xfe] : [0xfe, 0xff];
  if (!bom) out.length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (order === "LE") out.push(unit & 0xff, unit >> 8);
    else out.push(unit >> 8, unit & 0xff);
  }
  return new Uint8Array(out);
}

function chunked(data: Uint8Array, size: number): Uint8Array[] {
  const out = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

async function collect(
  chunks: Iterable<Uint8Array>,
  options: { from?: number; encoding?: TextEncoding; firstLineNumber?: number } = {},
): Promise<Line[]> {
  const lines = [];
  for await (const line of splitLines(chunks, { source: "s3://lists/x.csv", ...options })) lines.push(line);
  return lines;
}

const TEXT = "dev-1\r\ndev-2\n\n  dev-3  \rgrüße\r\n𝄞clef\ndev-4";
const NAMES = ["dev-1", "dev-2", "dev-3", "grüße", "𝄞clef", "dev-4"];
const NUMBERS = [1, 2, 4, 5, 6, 7];

const ENCODED: [string, TextEncoding, Uint8Array][] = [
  ["UTF-8 without a BOM", "UTF-8", utf8(TEXT)],
  ["UTF-8 with a BOM", "UTF-8", new Uint8Array([...UTF8_BOM, ...utf8(TEXT)])],
  ["UTF-16 LE with a BOM", "UTF-16LE", utf16(TEXT, "LE")],
  ["UTF-16 BE with a BOM", "UTF-16BE", utf16(TEXT, "BE")],
];

describe.each(ENCODED)("%s", (_, encoding, bytes) => {
  it("is detected from its start", () => {
    expect(detectEncoding(bytes).encoding).toBe(encoding);
  });

  it("gives the same lines, numbers and offsets whatever the chunk boundaries (characters and CRLF split)", async () => {
    const whole = await collect([bytes]);
    expect(whole.map((l) => l.text)).toEqual(NAMES);
    expect(whole.map((l) => l.number)).toEqual(NUMBERS);
    expect(whole.at(-1)?.end).toBe(bytes.length);
    for (const size of [1, 2, 3, 5, 64]) expect(await collect(chunked(bytes, size))).toEqual(whole);
  });

  it("resumes from any line's end with exactly the remaining lines, numbered on", async () => {
    const whole = await collect([bytes]);
    for (let i = 0; i < whole.length; i++) {
      const { end, number } = whole[i] as Line;
      const rest = await collect(chunked(bytes.subarray(end), 3), {
        from: end,
        encoding,
        firstLineNumber: number + 1,
      });
      expect(rest).toEqual(whole.slice(i + 1));
    }
  });
});

describe("bytes that are not valid in the encoding", () => {
  it("fail on invalid UTF-8, naming the line and its bytes, instead of becoming U+FFFD", async () => {
    const bytes = new Uint8Array([...utf8("dev-1\ndev-2\n"), 0x64, 0xc3, 0x28, ...utf8("\ndev-4\n")]);
    await expect(collect([bytes])).rejects.toMatchObject({
      name: "UnreadableLine",
      message: expect.stringContaining("s3://lists/x.csv: line 3 (bytes 12–15) is not valid UTF-8"),
    });
  });

  it("fail on a multi-byte sequence cut short by the end of the line, even split across chunks", async () => {
    const bytes = new Uint8Array([...utf8("ok\n"), 0xe2, 0x82, ...utf8("\n")]); // € without its last byte
    await expect(collect(chunked(bytes, 1))).rejects.toThrow("line 2 (bytes 3–5) is not valid UTF-8");
  });

  it("fail on UTF-16 with an odd number of bytes or a lone surrogate", async () => {
    const odd = utf16("dev-1\ndev-2", "LE");
    await expect(collect([odd.subarray(0, odd.length - 1)])).rejects.toThrow(
      "line 2 (bytes 14–23) is not valid UTF-16LE",
    );
    const lone = utf16("dev-1\n\uD834x", "BE");
    await expect(collect(chunked(lone, 3))).rejects.toThrow("line 2 (bytes 14–18) is not valid UTF-16BE");
  });

  it("read UTF-16 without a byte-order mark as UTF-8: valid bytes, but NUL characters in every name", async () => {
    const lines = await collect([utf16("ab\ncd", "LE", false)]);
    expect(lines.map((l) => l.text)).toEqual(["a\u0000b\u0000", "\u0000c\u0000d\u0000"]);
  });
});

describe("resuming", () => {
  it("needs the encoding detected at byte 0", async () => {
    await expect(collect([utf8("x\n")], { from: 5 })).rejects.toThrow(
      "s3://lists/x.csv: resuming at byte 5 needs the encoding detected at byte 0",
    );
  });
});
