import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** The error a body over its limit ends with; the app's error handler answers it 413 REQUEST_TOO_LARGE. */
export const bodyTooLarge = (): Error => Object.assign(new Error('Request body is too large'), { statusCode: 413 });

/** A request body that passes its limit only while it stays under it (chunked bodies have no length). */
class BodyLimit extends Transform {
  private seen = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) done(bodyTooLarge());
    else done(null, chunk);
  }
}

/**
 * `payload` held to `limit` bytes, counted as they arrive. A client that goes away mid-body ends
 * the limited stream with an error too (a plain `pipe` would leave it waiting forever). Over the
 * limit the request stops being read; it is not destroyed, so the 413 can still be answered.
 */
export function limitBody(payload: Readable, limit: number): Readable {
  const limited = new BodyLimit(limit);
  payload.on('error', (err) => limited.destroy(err));
  payload.on('close', () => {
    if (!payload.readableEnded) limited.destroy(Object.assign(new Error('request body cut short'), { code: 'ECONNRESET' }));
  });
  return payload.pipe(limited);
}
