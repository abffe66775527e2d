/**
 * Memory for large answers written as bytes (`Encoded` results built as a Buffer: `Event.get`'s
 * pages), used again once the socket is done with it. A fresh block of a few hundred KB comes
 * from the system as new pages, and writing the answer into it costs a page fault per 4 KB — on
 * this project's machines more than copying the bytes (issue 18). A block goes back to the pool
 * when its response has finished (handed to the operating system); one whose response was
 * aborted is left to the collector. Blocks are powers of two from 64 KB; the pool keeps at most
 * `maxBytes` of them.
 */
export class AnswerBuffers {
  private readonly free: ArrayBuffer[] = [];
  private held = 0;

  constructor(
    private readonly maxBytes = 16 << 20,
    private readonly minSize = 64 << 10,
  ) {}

  /** `size` bytes, uninitialised: from the pool when a free block fits, else a new block. */
  take(size: number): Buffer {
    if (size < this.minSize) return Buffer.allocUnsafe(size);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const n = this.free[i]!.byteLength;
      if (n >= size && (best < 0 || n < this.free[best]!.byteLength)) best = i;
    }
    if (best >= 0) {
      const [block] = this.free.splice(best, 1);
      this.held -= block!.byteLength;
      return Buffer.from(block!, 0, size);
    }
    const whole = Buffer.allocUnsafeSlow(2 ** Math.ceil(Math.log2(size)));
    return whole.subarray(0, size);
  }

  /** A block `take` gave, no longer read by anything. */
  give(buf: Buffer): void {
    const block = buf.buffer as ArrayBuffer;
    if (buf.byteOffset !== 0 || block.byteLength < this.minSize || this.held + block.byteLength > this.maxBytes) return;
    this.free.push(block);
    this.held += block.byteLength;
  }
}
