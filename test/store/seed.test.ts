import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../../src/im/users.js';
import {
  authoredMessages,
  dialogChatId,
  findUserKind,
  firstWebhookOf,
  groupChatByTitle,
  hasAuthoredMessage,
  readPortalContents,
  seedBot,
  webhookIdByCode,
} from '../../src/store/repos/seed.js';
import { insertSeedPerson, updateSeedPerson } from '../../src/store/repos/users.js';
import { updateSeedWebhook } from '../../src/store/repos/webhooks.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: the seed's reads and fixed-id writes (store/repos/seed.ts), on the suite's engine. */
describe('store contract: seed', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  const person = { name: 'Zed', last_name: 'Z', email: 'z@example.com', is_admin: 0, work_position: '', personal_gender: 'M' };

  it('people are written with the ids a seed gives them, and updated in place', async () => {
    const db = t.store.db;
    await insertSeedPerson(db, 40, person, 123);
    assert.deepEqual(await findUserKind(db, 40), { id: 40, external_auth_id: '', is_admin: 0 });
    await updateSeedPerson(db, 40, { ...person, is_admin: 1 });
    assert.equal((await findUserKind(db, 40))?.is_admin, 1);
    assert.equal(await findUserKind(db, 41), undefined);
    const contents = await readPortalContents(db, 'en');
    assert.deepEqual(contents.users.map((u) => u.id), [1, 40], 'in id order');
    assert.deepEqual([contents.bots, contents.apps, contents.groupChats, contents.dialogs], [[], [], [], []]);
  });

  it('the first-start webhook is found by user and by code, and updated in place', async () => {
    const db = t.store.db;
    const id = await firstWebhookOf(db, 1);
    assert.ok(id !== null);
    const [hook] = (await readPortalContents(db, 'en')).webhooks;
    assert.equal(await webhookIdByCode(db, hook!.code), id);
    assert.equal(await webhookIdByCode(db, 'no-such-code'), null);
    await updateSeedWebhook(db, id, { user_id: 40, scope: 'im', title: 'Seeded' });
    assert.deepEqual(((await readPortalContents(db, 'en')).webhooks[0]), { ...hook, user_id: 40, scope: 'im', title: 'Seeded' });
    assert.equal(await firstWebhookOf(db, 1), null);
  });

  it('absent things are absent: no chat by that title, no dialog, no bot, no messages', async () => {
    const db = t.store.db;
    const other = await createUser(db, t.clock, { name: 'Other' });
    assert.equal(await groupChatByTitle(db, 'Nothing'), null);
    assert.equal(await dialogChatId(db, 1, other), null);
    assert.equal(await seedBot(db, { code: 'nobot' }), undefined);
    assert.equal(await seedBot(db, { botId: other }), undefined);
    assert.deepEqual(await authoredMessages(db, 999), []);
    assert.equal(await hasAuthoredMessage(db, 999), false);
  });
});
