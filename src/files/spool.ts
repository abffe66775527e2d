import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Uploaded file parts on their way to the file store: each multipart file part is written to a
 * temp file as it arrives (never held in memory), then moved into the store by the method that
 * takes it (`FileStore.put`), and removed when the request ends, answered or aborted, if no
 * method took it.
 */

/** The bytes of one uploaded file part, in a temp file that lives as long as its request. */
export class SpooledFile {
  constructor(
    /** where the bytes are; gone once the request ends or the store took them */
    readonly path: string,
    /** bytes received (all of them, also past the cap) */
    readonly size: number,
    /** more than the cap arrived: nothing is kept, `path` does not exist */
    readonly overLimit: boolean,
  ) {}

  /** How a log or a JSON encoder sees it: never the temp path. */
  toJSON(): string {
    return `[uploaded file, ${this.size} bytes]`;
  }
}

/** File content as the domain takes it: bytes in memory (a Base64 parameter) or a spooled upload. */
export type FileBytes = Buffer | SpooledFile;

export function byteLength(content: FileBytes): number {
  return Buffer.isBuffer(content) ? content.length : content.size;
}

/** The first `n` bytes (all of them when shorter): enough to recognise a file's type. */
export async function headOf(content: FileBytes, n: number): Promise<Buffer> {
  if (Buffer.isBuffer(content)) return content.length <= n ? content : content.subarray(0, n);
  if (content.overLimit) return Buffer.alloc(0);
  const handle = await open(content.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(n, content.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** All the bytes in memory: only for content known to be small (bodies under the 4 MiB limit). */
export async function readAllBytes(content: FileBytes): Promise<Buffer> {
  if (Buffer.isBuffer(content)) return content;
  return content.overLimit ? Buffer.alloc(0) : readFile(content.path);
}

/** Counts what passes and drops every byte past `max` (the rest of the part is still read). */
class Cap extends Transform {
  size = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    done(null, this.size > this.max ? undefined : chunk);
  }
}

/**
 * This process's temp folder for uploads: `<parent>/<host>-<pid>`, so processes that share a
 * data dir never remove each other's files. Opening it removes what a previous process left (a
 * crash, a kill): this process's own folder and those of processes of this host that are gone.
 */
export class UploadSpool {
  private constructor(readonly dir: string) {}

  static async open(parent: string): Promise<UploadSpool> {
    const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    const own = `${host}-${process.pid}`;
    await mkdir(parent, { recursive: true });
    for (const name of await readdir(parent).catch(() => [] as string[])) {
      const m = /^(.*)-(\d+)$/.exec(name);
      if (!m || m[1] !== host) continue;
      if (name === own || !alive(Number(m[2]))) await rm(join(parent, name), { recursive: true, force: true });
    }
    const spool = new UploadSpool(join(parent, own));
    await mkdir(spool.dir, { recursive: true, mode: 0o700 });
    return spool;
  }

  /** The uploads of one request; `dispose()` when the request ends. */
  session(): SpoolSession {
    return new SpoolSession(this.dir);
  }

  /** Removes the folder (the server is closing: no request is left). */
  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** The temp files of one request. */
export class SpoolSession {
  private readonly paths = new Set<string>();
  private readonly writing = new Set<{ out: WriteStream; done: Promise<unknown> }>();
  private disposed = false;

  constructor(private readonly dir: string) {}

  /**
   * Writes `part` to a new temp file, keeping at most `max` bytes: a part over it is still read
   * to its end (the form goes on after it) and reported `overLimit` with nothing kept.
   */
  async write(part: Readable, max: number): Promise<SpooledFile> {
    if (this.disposed) {
      part.resume();
      throw new Error('upload spool: the request has ended');
    }
    const path = join(this.dir, randomBytes(16).toString('hex'));
    this.paths.add(path);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (this.disposed) {
      part.resume();
      throw new Error('upload spool: the request has ended');
    }
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    const cap = new Cap(max);
    const done = pipeline(part, cap, out);
    const entry = { out, done };
    this.writing.add(entry);
    try {
      await done;
    } finally {
      this.writing.delete(entry);
    }
    if (cap.size > max) await rm(path, { force: true });
    return new SpooledFile(path, cap.size, cap.size > max);
  }

  /** Stops any write still going and removes every temp file a method did not take. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const left = [...this.writing];
    for (const w of left) w.out.destroy();
    await Promise.allSettled(left.map((w) => w.done));
    await Promise.all([...this.paths].map((p) => rm(p, { force: true }).catch(() => {})));
    this.paths.clear();
  }
}
