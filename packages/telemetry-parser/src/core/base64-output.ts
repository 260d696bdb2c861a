// The base64 data of a batch's Ok answers, written side by side into a few large strings: each answer's data is
// a slice of one (V8 keeps a slice as a reference into its parent). One small string per answer would live
// through the young generation until the response is sent, and V8 grows that generation for objects that
// survive: the answers alone would raise peak memory by several times the batch.

/** Base64 text sealed into one string at a time: large enough to be allocated outside the young generation. */
const CHUNK_BYTES = 512 * 1024;
/** The UTF-8 of one record's output, reused; a larger output gets a buffer of its own. */
const SCRATCH_BYTES = 64 * 1024;

export interface HasData {
  data: string;
}

export class Base64Output {
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;
  /** The encoded text not yet committed: in `chunk` from `used`, or in `oversized`. */
  private pending = 0;
  private oversized: string | undefined;
  /** Answers whose data is in the chunk, with where it starts and ends. */
  private readonly waiting: HasData[] = [];
  private readonly offsets: number[] = [];

  /**
   * Encodes `text` (UTF-8, then base64) without committing it; returns its decoded and encoded lengths.
   * A later `encode` replaces it.
   */
  encode(text: string): { bytes: number; length: number } {
    let bytes: Buffer;
    if (text.length * 3 <= this.scratch.length) {
      bytes = this.scratch.subarray(0, this.scratch.write(text, 0, "utf8"));
    } else bytes = Buffer.from(text, "utf8");
    const base64 = bytes.toString("base64");
    this.oversized = undefined;
    if (base64.length > CHUNK_BYTES) this.oversized = base64;
    else {
      if (this.used + base64.length > CHUNK_BYTES) this.seal();
      this.chunk.write(base64, this.used, "latin1");
    }
    this.pending = base64.length;
    return { bytes: bytes.length, length: base64.length };
  }

  /** The last encoded text becomes `answer.data` (at the latest when `finish` is called). */
  commit(answer: HasData): void {
    if (this.oversized !== undefined) {
      answer.data = this.oversized;
      this.oversized = undefined;
      return;
    }
    this.waiting.push(answer);
    this.offsets.push(this.used);
    this.used += this.pending;
    this.pending = 0;
  }

  /** Sets every committed answer's data. */
  finish(): void {
    this.seal();
  }

  private seal(): void {
    if (this.waiting.length === 0) return;
    const text = this.chunk.toString("latin1", 0, this.used);
    for (let i = 0; i < this.waiting.length; i++) {
      const end = i + 1 < this.offsets.length ? (this.offsets[i + 1] as number) : this.used;
      (this.waiting[i] as HasData).data = text.slice(this.offsets[i] as number, end);
    }
    this.waiting.length = 0;
    this.offsets.length = 0;
    this.used = 0;
  }
}
