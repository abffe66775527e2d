import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteAppOptions, readOptions, writeOptions } from '../../src/store/repos/options.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: application and user options (store/repos/options.ts), on the suite's engine. */
describe('store contract: options', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('writes, replaces and reads keys in name order, per application and per user', async () => {
    const db = t.store.db;
    await writeOptions(db, { appId: 7 }, [['b', '"2"'], ['a', '"1"']]);
    await writeOptions(db, { appId: 7 }, [['b', '"3"']]);
    await writeOptions(db, { appId: 7, userId: 1 }, [['a', '"u"']]);
    await writeOptions(db, { appId: 8 }, [['a', '"other"']]);
    assert.deepEqual(await readOptions(db, { appId: 7 }), [{ name: 'a', value: '"1"' }, { name: 'b', value: '"3"' }]);
    assert.deepEqual(await readOptions(db, { appId: 7 }, 'b'), [{ name: 'b', value: '"3"' }]);
    assert.deepEqual(await readOptions(db, { appId: 7, userId: 1 }), [{ name: 'a', value: '"u"' }]);
    assert.deepEqual(await readOptions(db, { appId: 7, userId: 2 }), []);
  });

  it('an uninstall removes the application\'s keys and its users\' keys, and nobody else\'s', async () => {
    const db = t.store.db;
    await deleteAppOptions(db, 7);
    assert.deepEqual(await readOptions(db, { appId: 7 }), []);
    assert.deepEqual(await readOptions(db, { appId: 7, userId: 1 }), []);
    assert.deepEqual(await readOptions(db, { appId: 8 }), [{ name: 'a', value: '"other"' }]);
  });
});
