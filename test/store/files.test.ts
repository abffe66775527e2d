import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findFile, insertFile, listStorageKeys } from '../../src/store/repos/files.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: chat files and download links (store/repos/files.ts), on the suite's engine. */
describe('store contract: files', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('inserts a file and returns the whole row, defaults filled', async () => {
    const db = t.store.db;
    const row = await insertFile(db, { chat_id: 3, author_id: 1, name: 'a.txt', storage_key: 'k1', created_at: 10 });
    assert.ok(row.id > 0);
    assert.equal(row.name, 'a.txt');
    assert.equal(row.size, 0);
    assert.equal(row.type, '');
    assert.deepEqual(await findFile(db, row.id), row);
    assert.equal(await findFile(db, 999_999), undefined);
    await insertFile(db, { chat_id: 3, author_id: 1, storage_key: 'k2', created_at: 11 });
    assert.deepEqual((await listStorageKeys(db)).sort(), ['k1', 'k2']);
  });
});
