import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DbFileStore } from '../../src/files/db-store.js';
import { SpooledFile } from '../../src/files/spool.js';
import { DirFileStore, type FileStore } from '../../src/files/store.js';
import { deleteFileChunks, fileChunk, fileChunkTotals, insertFileChunks, listFileChunkKeys } from '../../src/store/repos/file-chunks.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/*
 * Contract: every FileStore keeps the same promises (src/files/store.ts) — the data-dir one and
 * the database one (files/db-store.ts over store/repos/file-chunks.ts), on the suite's engine.
 */

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

const bytesOf = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + 7) % 256));

let t: TestStore;
let dir: string;
before(async () => {
  t = await openTestStore();
  dir = mkdtempSync(join(tmpdir(), 'imbot-files-'));
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => FileStore][] = [
  ['DirFileStore', () => new DirFileStore(join(dir, 'files'))],
  // a small chunk size, so every file here spans several chunks
  ['DbFileStore', () => new DbFileStore(t.store, 1000)],
];

for (const [name, make] of stores) {
  describe(`file store contract: ${name}`, () => {
    it('gives back the bytes it stored, with their size, under a key in the folder', async () => {
      const s = make();
      for (const size of [0, 1, 999, 1000, 1001, 5432]) {
        const bytes = bytesOf(size);
        const key = await s.put('12', bytes);
        assert.match(key, /^12\/[A-Za-z0-9_.-]+$/, 'key names the folder');
        const opened = await s.open(key);
        assert.ok(opened, `${size} bytes open`);
        assert.equal(opened.size, size);
        assert.deepEqual(await readAll(opened.stream), bytes, `${size} bytes read back`);
      }
    });

    it('takes a spooled upload (a temp file) as well as bytes in memory', async () => {
      const s = make();
      for (const size of [0, 1000, 8999, 9001]) {
        const bytes = bytesOf(size);
        const path = join(dir, `spooled-${name}-${size}`);
        writeFileSync(path, bytes);
        const key = await s.put('14', new SpooledFile(path, size, false));
        const opened = await s.open(key);
        assert.ok(opened, `${size} spooled bytes open`);
        assert.equal(opened.size, size);
        assert.deepEqual(await readAll(opened.stream), bytes, `${size} spooled bytes read back`);
      }
    });

    it('two puts of the same bytes get different keys; remove drops one only', async () => {
      const s = make();
      const a = await s.put('saved-3', Buffer.from('same'));
      const b = await s.put('saved-3', Buffer.from('same'));
      assert.notEqual(a, b);
      await s.remove(a);
      assert.equal(await s.open(a), null, 'removed');
      assert.equal((await readAll((await s.open(b))!.stream)).toString(), 'same', 'the other is kept');
      await s.remove(a); // removing a missing key is no error
    });

    it('open of a key never stored is null; a malformed key is refused, never a path outside', async () => {
      const s = make();
      assert.equal(await s.open('12/never-stored'), null);
      assert.equal(await s.open('../etc/passwd').catch(() => null), null);
      await assert.rejects(s.remove('../../x'));
    });

    it('lists its keys, and only older ones when asked for those stored before an instant', async () => {
      const s = make();
      const key = await s.put('77', Buffer.from('listed'));
      assert.ok((await s.keys()).includes(key), 'all keys');
      assert.ok(!(await s.keys(0)).includes(key), 'nothing was stored before the epoch');
      const later = Date.now() + 60_000;
      assert.ok((await s.keys(later)).includes(key), 'stored before a later instant');
      await s.remove(key);
      assert.ok(!(await s.keys()).includes(key), 'gone from the list once removed');
    });
  });
}

describe('store contract: file_chunks', () => {
  it('stores parts in order and answers their count, size and bytes', async () => {
    const db = t.store.db;
    await insertFileChunks(db, 'c/1', [Buffer.from('ab'), Buffer.from('cde'), Buffer.from('f')], 100, 2);
    assert.deepEqual(await fileChunkTotals(db, 'c/1'), { parts: 3, size: 6 });
    assert.equal((await fileChunk(db, 'c/1', 1))?.toString(), 'cde');
    assert.equal(await fileChunk(db, 'c/1', 3), null);
    assert.deepEqual(await fileChunkTotals(db, 'c/none'), { parts: 0, size: 0 });
    await insertFileChunks(db, 'c/2', [Buffer.alloc(0)], 300);
    assert.deepEqual(await fileChunkTotals(db, 'c/2'), { parts: 1, size: 0 });
    const keys = await listFileChunkKeys(db);
    assert.ok(keys.includes('c/1') && keys.includes('c/2'));
    assert.ok((await listFileChunkKeys(db, 200)).includes('c/1'), 'stored at 100 < 200');
    assert.ok(!(await listFileChunkKeys(db, 200)).includes('c/2'), 'stored at 300');
    await deleteFileChunks(db, 'c/1');
    assert.deepEqual(await fileChunkTotals(db, 'c/1'), { parts: 0, size: 0 });
    await deleteFileChunks(db, 'c/1');
  });

  it('a key is written whole or not at all: a failing part leaves no chunk behind', async () => {
    await assert.rejects(
      t.store.transaction(async (trx) => {
        await insertFileChunks(trx, 'c/3', [Buffer.from('x')], 1);
        await insertFileChunks(trx, 'c/3', [Buffer.from('dup')], 1); // part 0 again: primary key
      }),
    );
    assert.deepEqual(await fileChunkTotals(t.store.db, 'c/3'), { parts: 0, size: 0 });
  });
});
