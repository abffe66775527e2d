import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';
import { preparedWrite } from '../../src/store/prepared.js';
import { FailWritesPlugin, StoreFailure } from '../../src/rest/faults.js';
import { removeTestData, testStoreUrl } from '../helpers/server.js';

/*
 * Write statements compiled once (src/store/prepared.ts) still pass through Kysely's plugins on
 * every execution, on the suite's engine: the read cache's versions move (a cached value is not
 * served after a compiled write to its table) and a scripted store failure stops the statement
 * it fails at, the ones before it running as usual.
 */

const setValue = preparedWrite<[string, string], never>(2, (db, value, key) => db.updateTable('portal').set({ value }).where('key', '=', key));
const addKey = preparedWrite<[string, string], { key: string }>(2, (db, key, value) => db.insertInto('portal').values({ key, value }).returning('key'));

describe('store: compiled write statements', () => {
  let dataDir: string;
  let store: Store;
  const read = (key: string) =>
    store.cache.get(`prepared:${key}`, ['portal'], async () => (await store.db.selectFrom('portal').select('value').where('key', '=', key).executeTakeFirst())?.value ?? null);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'imbot-store-'));
    store = await openStore({ dataDir, url: testStoreUrl(dataDir) });
  });
  after(async () => {
    await store.close();
    await removeTestData(dataDir);
  });

  it('runs with new arguments each time and returns rows', async () => {
    assert.deepEqual(await addKey.all(store.db, 'prep_a', 'one'), [{ key: 'prep_a' }]);
    assert.deepEqual(await addKey.first(store.db, 'prep_b', 'two'), { key: 'prep_b' });
    const rows = await store.db.selectFrom('portal').select(['key', 'value']).where('key', 'in', ['prep_a', 'prep_b']).orderBy('key').execute();
    assert.deepEqual(rows, [
      { key: 'prep_a', value: 'one' },
      { key: 'prep_b', value: 'two' },
    ]);
  });

  it('moves the read cache: a value cached before a compiled write is not served after it', async () => {
    assert.equal(await read('prep_a'), 'one');
    await setValue.all(store.db, 'uno', 'prep_a');
    assert.equal(await read('prep_a'), 'uno', 'outside a unit');
    await store.transaction((trx) => setValue.all(trx, 'eins', 'prep_a'));
    assert.equal(await read('prep_a'), 'eins', 'in a unit of work');
  });

  it("a scripted store failure's plugin sees each execution and fails the one it was set for", async () => {
    await assert.rejects(
      store.transaction(async (trx) => {
        const db = trx.withPlugin(new FailWritesPlugin('test.method', 1));
        await setValue.all(db, 'first', 'prep_a'); // the one write let through
        await setValue.all(db, 'second', 'prep_b');
      }),
      StoreFailure,
    );
    assert.equal(await read('prep_a'), 'eins', 'the unit rolled back');
    assert.equal(await read('prep_b'), 'two');
    await setValue.all(store.db, 'three', 'prep_b');
    assert.equal(await read('prep_b'), 'three', 'the statement still runs without the plugin');
  });

  it('a compiled write that fails inside a unit rejects, and the read cache goes on moving', async () => {
    await assert.rejects(store.transaction((trx) => addKey.all(trx, 'prep_a', 'again')));
    assert.equal(await read('prep_a'), 'eins');
    await store.transaction((trx) => setValue.all(trx, 'vier', 'prep_a'));
    assert.equal(await read('prep_a'), 'vier', 'a value cached before the write is not served after it');
  });
});
