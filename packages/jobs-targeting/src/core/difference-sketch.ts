// A fixed-size record of the difference between two sets of thing names (an invertible Bloom lookup table):
// names of one set are added (+1), names of the other removed (-1), in any order and over any number of
// invocations, and the names in only one of them can then be listed exactly while they are not many more than
// DECODABLE; beyond that the sketch says it cannot tell, never a wrong answer. Each name goes into one cell of
// each of four partitions: a cell keeps the count, the XOR of the names' bytes and the XOR of their check
// hashes, so a cell holding one name gives that name back, and taking it out of its other cells frees more.
// Names cancel only against the very same name: two different names never pass for each other. The hashes are
// seeded per sketch (the seed travels with it), so a set of names that happens not to peel under one seed is
// not unlucky the next time. A confirm pass over a million members carries its comparison in this sketch.
import { randomInt } from "node:crypto";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ValidationError } from "@fleet/shared-aws";
import { THING_NAME_MAX } from "./names";

// Hot loops use a module-level binding: a global lookup per call is slow where globals are intercepted (vm
// contexts, as under jest).
const { imul } = Math;

const PARTITIONS = 4;
const PARTITION = 90;
const CELLS = PARTITIONS * PARTITION;
const KEY_BYTES = THING_NAME_MAX;
const KEY_WORDS = KEY_BYTES / 4;
/** Layout: seed, then the counts, the check hashes and the keys of every cell, 32-bit words. */
const RAW_BYTES = 4 + CELLS * (8 + KEY_BYTES);
/**
 * Differences a sketch lists (measured: 200 of 200 random sets of 200 names peeled, 198 of 250, 117 of 270;
 * peeling fails beyond ~0.77 names a cell, 277 here).
 */
export const DECODABLE = 200;
/** Base64 of the compressed layout (49 KB at most, less when compressible). */
export const MAX_ENCODED_LENGTH = 66_000;

export interface SketchDifference {
  /** Names added more often than removed. */
  added: string[];
  /** Names removed more often than added. */
  removed: string[];
}

export class DifferenceSketch {
  private readonly seed: number;
  private readonly counts: Int32Array;
  private readonly checks: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly raw: Uint8Array;
  private readonly scratch = new Uint32Array(KEY_WORDS);
  private readonly scratchBytes = new Uint8Array(this.scratch.buffer);
  /** The cells of the scratch key's name, one a partition (set by place()). */
  private readonly places = new Int32Array(PARTITIONS);

  private constructor(raw: Uint8Array) {
    // A fresh, aligned copy: not shared with the caller (nor with zlib's Buffer pool).
    const buffer = new ArrayBuffer(RAW_BYTES);
    this.raw = new Uint8Array(buffer);
    this.raw.set(raw);
    this.seed = new Uint32Array(buffer, 0, 1)[0] as number;
    this.counts = new Int32Array(buffer, 4, CELLS);
    this.checks = new Uint32Array(buffer, 4 + 4 * CELLS, CELLS);
    this.keys = new Uint32Array(buffer, 4 + 8 * CELLS, CELLS * KEY_WORDS);
  }

  /** An empty sketch; `seed` (random unless given) picks its hash functions. */
  static empty(seed = randomInt(2 ** 32)): DifferenceSketch {
    const raw = new Uint8Array(RAW_BYTES);
    new DataView(raw.buffer).setUint32(0, seed, true);
    return new DifferenceSketch(raw);
  }

  /** A sketch from `encode()`'s text, or a ValidationError naming `field`. */
  static decode(text: string, field: string): DifferenceSketch {
    let raw: Uint8Array;
    try {
      raw = inflateRawSync(Buffer.from(text, "base64"));
    } catch {
      throw new ValidationError([`${field}: not a sketch this version wrote`]);
    }
    if (raw.length !== RAW_BYTES) {
      throw new ValidationError([`${field}: not a sketch this version wrote (${raw.length} bytes)`]);
    }
    return new DifferenceSketch(raw);
  }

  encode(): string {
    return deflateRawSync(this.raw).toString("base64");
  }

  /** Adds `name` (sign 1) or removes it (sign -1). */
  update(name: string, sign: 1 | -1): void {
    const length = this.load(name);
    const check = this.place(length);
    for (const cell of this.places) this.apply(cell, sign, check, length);
  }

  /** The names in only one of the two sets, or undefined when there are too many to list. */
  difference(): SketchDifference | undefined {
    const peeled = new DifferenceSketch(this.raw);
    const found: SketchDifference = { added: [], removed: [] };
    const queue = Array.from({ length: CELLS }, (_, cell) => cell);
    while (queue.length > 0) {
      const cell = queue.pop() as number;
      const pure = peeled.pure(cell);
      if (!pure) continue;
      const sign = peeled.counts[cell] as 1 | -1;
      (sign === 1 ? found.added : found.removed).push(pure.name);
      for (const other of peeled.places) {
        peeled.apply(other, -sign, pure.check, pure.name.length);
        queue.push(other);
      }
    }
    return peeled.raw.subarray(4).every((byte) => byte === 0) ? found : undefined;
  }

  /** Puts `name`'s bytes in the scratch key (zero-padded to whole words); returns its length. */
  private load(name: string): number {
    const { length } = name;
    if (length === 0 || length > KEY_BYTES) throw new RangeError(`not a thing name: ${name}`);
    this.scratch.fill(0, 0, (length + 3) >> 2);
    for (let i = 0; i < length; i++) {
      const code = name.charCodeAt(i);
      if (code === 0 || code > 0x7f) throw new RangeError(`not a thing name: ${JSON.stringify(name)}`);
      this.scratchBytes[i] = code;
    }
    return length;
  }

  /** Fills `places` for the scratch key's name and returns its check hash. */
  private place(length: number): number {
    const h = murmur3(this.scratchBytes, length, this.seed);
    for (let j = 0; j < PARTITIONS; j++) {
      this.places[j] = j * PARTITION + (fmix(h ^ imul(j + 1, 0x9e3779b9)) % PARTITION);
    }
    return murmur3(this.scratchBytes, length, this.seed ^ 0x5bd1e995);
  }

  /** Adds `sign`, `check` and the scratch key (its words after `length` bytes are zero) to the cell. */
  private apply(cell: number, sign: number, check: number, length: number): void {
    (this.counts[cell] as number) += sign;
    (this.checks[cell] as number) ^= check;
    const base = cell * KEY_WORDS;
    const words = (length + 3) >> 2;
    for (let w = 0; w < words; w++) (this.keys[base + w] as number) ^= this.scratch[w] as number;
  }

  /**
   * The one name a cell holds, if it holds exactly one (by its count, its bytes and its check hash), loaded as
   * the scratch key with its places.
   */
  private pure(cell: number): { name: string; check: number } | undefined {
    const count = this.counts[cell];
    if (count !== 1 && count !== -1) return undefined;
    const bytes = new Uint8Array(this.keys.buffer, this.keys.byteOffset + cell * KEY_BYTES, KEY_BYTES);
    const end = bytes.indexOf(0);
    const length = end === -1 ? KEY_BYTES : end;
    if (length === 0 || bytes.subarray(length).some((b) => b !== 0)) return undefined;
    if (bytes.subarray(0, length).some((b) => b > 0x7f)) return undefined;
    const name = String.fromCharCode(...bytes.subarray(0, length));
    this.load(name);
    const check = this.place(length);
    return check === this.checks[cell] ? { name, check } : undefined;
  }
}

/** MurmurHash3 (x86, 32-bit) of the first `length` bytes. */
function murmur3(bytes: Uint8Array, length: number, seed: number): number {
  let h = seed;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    const k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    h = imul(rotl(h ^ scramble(k), 13), 5) + 0xe6546b64;
  }
  let tail = 0;
  for (let shift = 0; i < length; i++, shift += 8) tail |= (bytes[i] as number) << shift;
  if ((length & 3) !== 0) h ^= scramble(tail);
  return fmix(h ^ length);
}

const scramble = (k: number) => imul(rotl(imul(k, 0xcc9e2d51), 15), 0x1b873593);
const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

/** MurmurHash3's finaliser: every input bit affects every output bit. */
function fmix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
