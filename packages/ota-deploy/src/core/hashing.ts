// MD5 and SHA-256 of one byte stream in one pass, with a state that can be saved into a cursor and resumed by
// another Lambda invocation (hash-wasm's save/load: a few hundred bytes, whatever the file size).
import { createMD5, createSHA256, type IHasher } from "hash-wasm";

export interface HashState {
  md5: string;
  sha256: string;
}

export class ResumableHashes {
  private constructor(
    private readonly md5: IHasher,
    private readonly sha256: IHasher,
  ) {}

  static async start(state?: HashState | null): Promise<ResumableHashes> {
    const [md5, sha256] = await Promise.all([createMD5(), createSHA256()]);
    if (state) {
      md5.load(Buffer.from(state.md5, "base64"));
      sha256.load(Buffer.from(state.sha256, "base64"));
    } else {
      md5.init();
      sha256.init();
    }
    return new ResumableHashes(md5, sha256);
  }

  update(chunk: Uint8Array): void {
    this.md5.update(chunk);
    this.sha256.update(chunk);
  }

  save(): HashState {
    return {
      md5: Buffer.from(this.md5.save()).toString("base64"),
      sha256: Buffer.from(this.sha256.save()).toString("base64"),
    };
  }

  digest(): { md5: string; sha256: string } {
    return { md5: this.md5.digest("hex"), sha256: this.sha256.digest("hex") };
  }
}
