import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activeUsersAmong, findUser, findUsers, insertUser, listUsers, listUsersExcept, setUserLogin, userExists } from '../../src/store/repos/users.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: users (store/repos/users.ts), on the suite's engine. */
describe('store contract: users', () => {
  let t: TestStore;
  let ann: number;
  let bot: number;
  let gone: number;
  before(async () => {
    t = await openTestStore();
    const db = t.store.db;
    ann = await insertUser(db, { name: 'Ann', last_name: 'Lee', email: 'ann@example.com' });
    bot = await insertUser(db, { name: 'Helper', external_auth_id: 'bot', login: 'bot_helper' });
    gone = await insertUser(db, { name: 'Gone', active: 0 });
  });
  after(() => t.close());

  it('inserts with column defaults and returns ascending ids', async () => {
    assert.ok(ann < bot && bot < gone);
    const row = await findUser(t.store.db, ann);
    assert.equal(row?.name, 'Ann');
    assert.equal(row?.last_name, 'Lee');
    assert.equal(row?.active, 1);
    assert.equal(row?.login, '');
    assert.equal(await findUser(t.store.db, 999_999), undefined);
  });

  it('sets a login', async () => {
    await setUserLogin(t.store.db, ann, `user${ann}`);
    assert.equal((await findUser(t.store.db, ann))?.login, `user${ann}`);
  });

  it('tells whether a user exists', async () => {
    assert.equal(await userExists(t.store.db, gone), true);
    assert.equal(await userExists(t.store.db, 999_999), false);
  });

  it('lists everyone, a set of ids, and all but some kinds of users, in id order', async () => {
    const db = t.store.db;
    const all = (await listUsers(db)).map((u) => u.id);
    assert.deepEqual(all, [...all].sort((a, b) => a - b));
    assert.ok(all.includes(ann) && all.includes(bot) && all.includes(gone));
    assert.deepEqual((await findUsers(db, [gone, ann, 999_999])).map((u) => u.id), [ann, gone]);
    assert.deepEqual(await findUsers(db, []), []);
    const people = (await listUsersExcept(db, ['bot'])).map((u) => u.id);
    assert.ok(people.includes(ann) && people.includes(gone));
    assert.ok(!people.includes(bot));
  });

  it('picks the active users among ids, marking bots', async () => {
    assert.deepEqual(await activeUsersAmong(t.store.db, [gone, bot, ann, 999_999]), [
      { id: ann, bot: false },
      { id: bot, bot: true },
    ]);
    assert.deepEqual(await activeUsersAmong(t.store.db, []), []);
  });
});
