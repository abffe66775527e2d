import { maskDeep } from './mask.js';
import { phpJson } from './php.js';

/**
 * A method's result that keeps its own encodings, so a value served again and again from the read
 * cache (store/read-cache.ts, versioned per table) is encoded once, not on every call: the wire
 * JSON (`phpJson`), its plain-JSON size and its masked copy for the request log. A method returns
 * one like `Paged`; `callMethod` hands the plain value on as the result (batch, the XML transport
 * and every other reader see nothing new) and the encoded form beside it, which the JSON transport
 * splices into an envelope built fresh for the call (the `time` block is never cached).
 *
 * Whoever caches one must not change its value afterwards: the encodings are taken on first use.
 */
export class Encoded {
  private wire?: string;
  private bytes?: number;
  private logged?: unknown;

  /**
   * `encode`, when given, must return exactly `phpJson(value)`, built from text the caller already
   * holds (stored snapshots) instead of from the value; `size`, when given, exactly the bytes of
   * `JSON.stringify(value)`, so that neither reads the value (which may then be built lazily).
   */
  constructor(
    readonly value: unknown,
    private readonly encode?: () => string,
    private readonly size?: () => number,
    /**
     * When given: `before`, then exactly `phpJson(value)`, then `after`, as UTF-8 bytes in one
     * Buffer, built from bytes the caller holds (stored snapshots), so the answer is never a
     * string at all (the JSON transport's envelope goes around it as `before` and `after`).
     */
    private readonly encodeBytes?: (before: string, after: string, alloc?: (size: number) => Buffer) => Buffer,
  ) {}

  /** `phpJson(value)`, computed once. */
  get json(): string {
    return (this.wire ??= this.encode ? this.encode() : this.encodeBytes ? this.encodeBytes('', '').toString('utf8') : phpJson(this.value));
  }

  /** Whether the wire form is built as bytes (`wrapped` costs no string of the result). */
  get asBytes(): boolean {
    return this.encodeBytes !== undefined && this.wire === undefined;
  }

  /** `before + json + after` as UTF-8 bytes (in a Buffer of `alloc`'s, when built as bytes). */
  wrapped(before: string, after: string, alloc?: (size: number) => Buffer): Buffer {
    return this.encodeBytes && this.wire === undefined ? this.encodeBytes(before, after, alloc) : Buffer.from(before + this.json + after, 'utf8');
  }

  /** Bytes of `JSON.stringify(value)` (what the request log measures a result by), computed once. */
  get plainBytes(): number {
    return (this.bytes ??= this.size ? this.size() : Buffer.byteLength(JSON.stringify(this.value) ?? 'null'));
  }

  /** `maskDeep(value)`, computed once; a read-only copy shared by the log entries that show it. */
  get masked(): unknown {
    if (this.logged === undefined) this.logged = maskDeep(this.value);
    return this.logged;
  }
}

/**
 * A success envelope's JSON with an already encoded `result`: the same text `phpJson(body)` gives
 * for `{result: encoded.value, ...rest}` (result first, as successBody orders it).
 */
export function spliceResult(encoded: Encoded, rest: Record<string, unknown>): string {
  const tail = phpJson(rest);
  return tail === '[]' || tail === '{}' ? `{"result":${encoded.json}}` : `{"result":${encoded.json},${tail.slice(1)}`;
}

/** `spliceResult` as UTF-8 bytes, for a result whose wire form is built as bytes (`Encoded.asBytes`). */
export function spliceResultBytes(encoded: Encoded, rest: Record<string, unknown>, alloc?: (size: number) => Buffer): Buffer {
  const tail = phpJson(rest);
  return encoded.wrapped('{"result":', tail === '[]' || tail === '{}' ? '}' : `,${tail.slice(1)}`, alloc);
}
