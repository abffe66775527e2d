import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FileBytes } from './spool.js';

/**
 * Where uploaded file bytes live. Behind this interface so an object store can replace the data
 * dir later; metadata (name, size, chat) stays in the database (`files` table, migration 010).
 * Keys are opaque to callers: `<folder>/<random>`.
 */
export interface FileStore {
  /**
   * Stores `bytes` in `folder` (a chat's folder) under a new key; throws FileStoreError. A
   * spooled upload is moved in (its temp file is gone afterwards), not read into memory.
   */
  put(folder: string, bytes: FileBytes): Promise<string>;
  /** The bytes of `key` as a stream with their length, or null when they are gone. */
  open(key: string): Promise<{ stream: Readable; size: number } | null>;
  /** Removes `key`; a missing key is not an error. */
  remove(key: string): Promise<void>;
  /**
   * Every stored key (orphan sweep), unfinished writes included; with `storedBefore` (wall-clock
   * ms) only the keys written before then.
   */
  keys(storedBefore?: number): Promise<string[]>;
}

/** `folder`: the chat folder cannot be made; `write`: the bytes cannot be written. */
export class FileStoreError extends Error {
  constructor(
    readonly kind: 'folder' | 'write',
    cause: unknown,
  ) {
    super(`file store ${kind} failure: ${(cause as Error)?.message ?? cause}`);
  }
}

const KEY = /^[A-Za-z0-9_-]+\/[A-Za-z0-9_.-]+$/;
export const validKey = (key: string): boolean => KEY.test(key) && !key.includes('..');
const PARTIAL = '.part';

/**
 * Files under `<root>/<folder>/<random>`. A write goes to `<key>.part` first and is renamed into
 * place, so a crash never leaves a half-written file under a real key (the sweep removes the
 * `.part` leftovers, which no row references).
 */
export class DirFileStore implements FileStore {
  constructor(readonly root: string) {}

  private path(key: string): string {
    if (!validKey(key)) throw new Error(`bad file key ${key}`);
    return join(this.root, key);
  }

  async put(folder: string, bytes: FileBytes): Promise<string> {
    const dir = join(this.root, folder);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new FileStoreError('folder', err);
    }
    const key = `${folder}/${randomBytes(16).toString('hex')}`;
    const path = this.path(key);
    try {
      if (Buffer.isBuffer(bytes)) await writeFile(path + PARTIAL, bytes, { flag: 'wx' });
      else if (bytes.overLimit) throw new Error('the upload was over its limit');
      else await moveIn(bytes.path, path + PARTIAL);
      await rename(path + PARTIAL, path);
    } catch (err) {
      await rm(path + PARTIAL, { force: true }).catch(() => {});
      throw new FileStoreError('write', err);
    }
    return key;
  }

  async open(key: string): Promise<{ stream: Readable; size: number } | null> {
    const path = this.path(key);
    try {
      const s = await stat(path);
      if (!s.isFile()) return null;
      return { stream: createReadStream(path), size: s.size };
    } catch {
      return null;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async keys(storedBefore?: number): Promise<string[]> {
    const out: string[] = [];
    let folders: string[];
    try {
      folders = await readdir(this.root);
    } catch {
      return out; // nothing stored yet
    }
    for (const folder of folders) {
      let names: string[];
      try {
        names = await readdir(join(this.root, folder));
      } catch {
        continue; // a stray file at folder level
      }
      // Only names this store makes: anything else in the folder is not ours to remove.
      for (const name of names) if (validKey(`${folder}/${name}`)) out.push(`${folder}/${name}`);
    }
    if (storedBefore === undefined) return out;
    const old: string[] = [];
    for (const key of out) {
      const s = await stat(join(this.root, key)).catch(() => null);
      if (s && s.mtimeMs < storedBefore) old.push(key);
    }
    return old;
  }
}

/** A rename when both are on one file system, else a copy (the temp file is removed by its request). */
async function moveIn(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

/** Largest decoded upload (api-reference/chat-bots/chat-bots-v2/imbot.v2/files/file-upload.md: 100 MB). */
export const MAX_FILE_SIZE = 100 * 1024 * 1024;

/** The largest size an operator may set, in MB: a JSON upload holds the file's Base64 in memory once. */
export const MAX_FILE_SIZE_CAP_MB = 1024;

/**
 * A largest-file setting in megabytes (MiB, as the 100 MB default; fractions allowed) → bytes, or
 * null when it is not a number above 0 and at most the cap (`serve --max-file-size`, startPortal).
 */
export function fileSizeFromMb(mb: number): number | null {
  if (typeof mb !== 'number' || !Number.isFinite(mb) || mb <= 0 || mb > MAX_FILE_SIZE_CAP_MB) return null;
  return Math.max(1, Math.floor(mb * 1024 * 1024));
}

/** What the domain gets to keep chat files: the store and the size limit (lowered in tests). */
export interface FileSpace {
  store: FileStore;
  /** bytes; default MAX_FILE_SIZE */
  maxSize: number;
}
