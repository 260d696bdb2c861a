import { describe, expect, it } from "@jest/globals";
import { splitLines } from "../../src";

const bytes = (text: string) => new TextEncoder().encode(text);
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

async function collect(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, from = 0) {
  const lines = [];
  for await (const line of splitLines(chunks, { from, encoding: "UTF-8" })) lines.push(line);
  return lines;
}

/** Every possible chunking of the same bytes must give the same lines. */
function chunked(data: Uint8Array, size: number): Uint8Array[] {
  const out = [];
  for (let i = 0; i < data.length; i += size) out.push(data.subarray(i, i + size));
  return out;
}

const mixed = new Uint8Array([
  ...BOM,
  ...bytes("alpha\nbravo\r\ncharlie\rdelta\n\n  \r\n  echo  \nalpha\r\nfoxtrot"),
]);

describe("splitLines", () => {
  it("handles LF, CRLF, lone CR, a BOM, blank lines, whitespace and duplicates", async () => {
    const lines = await collect([mixed]);
    expect(lines.map((l) => l.text)).toEqual([
      "alpha",
      "bravo",
      "charlie",
      "delta",
      "echo",
      "alpha",
      "foxtrot",
    ]);
    expect(lines.map((l) => l.number)).toEqual([1, 2, 3, 4, 7, 8, 9]);
    expect(lines.at(-1)?.end).toBe(mixed.length);
  });

  it("gives the same lines and offsets whatever the chunk boundaries (CRLF split across chunks)", async () => {
    const whole = await collect([mixed]);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      expect(await collect(chunked(mixed, size))).toEqual(whole);
    }
  });

  it("resumes from any line's end offset with exactly the remaining lines", async () => {
    const whole = await collect([mixed]);
    for (let i = 0; i < whole.length; i++) {
      const from = (whole[i] as { end: number }).end;
      const rest = await collect([mixed.subarray(from)], from);
      expect(rest.map((l) => [l.text, l.end])).toEqual(whole.slice(i + 1).map((l) => [l.text, l.end]));
    }
  });

  it("treats a trailing CR as a terminator", async () => {
    expect((await collect([bytes("a\r")])).map((l) => [l.text, l.end])).toEqual([["a", 2]]);
  });

  it("decodes UTF-8 split across chunks", async () => {
    const data = bytes("größe\nñandú\n");
    expect((await collect(chunked(data, 1))).map((l) => l.text)).toEqual(["größe", "ñandú"]);
  });

  it("refuses a line longer than the limit instead of growing without bound", async () => {
    const run = async () => {
      for await (const _ of splitLines([new Uint8Array(100).fill(0x61)], { maxLineBytes: 50 })) {
        // consume
      }
    };
    await expect(run()).rejects.toThrow("line 1 is longer than 50 bytes");
  });

  it("keeps memory flat on a million-line stream", async () => {
    async function* million() {
      const block = bytes(
        `${Array.from({ length: 1000 }, (_, i) => `device-${String(i).padStart(6, "0")}`).join("\r\n")}\r\n`,
      );
      for (let i = 0; i < 1000; i++) yield block;
    }
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let peak = before;
    for await (const _ of splitLines(million())) {
      count += 1;
      if (count % 100_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(count).toBe(1_000_000);
    // ~20 MB of input passes through; what stays alive is one block and one partial line.
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});
