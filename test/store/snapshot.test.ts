import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, getUser, listUsers } from '../../src/im/users.js';
import { dumpTables, IncompatibleDump, replaceTables } from '../../src/store/snapshot.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: the whole store's dump and restore (store/snapshot.ts), on the suite's engine. */
describe('store contract: snapshot', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('a dump restores every row, and ids go on after the largest one restored', async () => {
    const db = t.store.db;
    const a = await createUser(db, t.clock, { name: 'Ada' });
    const dump = await dumpTables(db, t.store.dialect);
    assert.ok(dump.migrations.length > 0 && dump.tables.users!.columns.includes('name'));
    const b = await createUser(db, t.clock, { name: 'Bob' });
    await replaceTables(db, t.store.dialect, dump);
    t.store.cache.clear();
    assert.deepEqual((await listUsers(db)).map((u) => u.name).includes('Bob'), false, 'what came after the dump is gone');
    assert.equal((await getUser(db, a))?.name, 'Ada');
    const c = await createUser(db, t.clock, { name: 'Cy' });
    assert.equal(c, b, 'the next id is the one handed out after the dump');
  });

  it('an empty restore empties every table; `then` writes in the same transaction; a failure changes nothing', async () => {
    const db = t.store.db;
    const before = (await listUsers(db)).length;
    await assert.rejects(replaceTables(db, t.store.dialect, null, async () => {
      throw new Error('boom');
    }), /boom/);
    assert.equal((await listUsers(db)).length, before, 'rolled back');
    await assert.rejects(replaceTables(db, t.store.dialect, { migrations: ['000_other'], tables: {} }), IncompatibleDump);
    await replaceTables(db, t.store.dialect, null, async (trx) => {
      await createUser(trx, t.clock, { name: 'First' });
    });
    const users = await listUsers(db);
    assert.deepEqual(users.map((u) => [u.id, u.name]), [[1, 'First']], 'ids start again at 1');
  });
});
