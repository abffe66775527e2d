import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  deleteAppBindings,
  deleteBindingsById,
  deleteOwnerHandlers,
  insertBindings,
  listAppEventBindings,
  listOwnerHandlers,
  replaceAppEventBinding,
  replaceOwnerHandler,
  retokenOwnerHandlers,
} from '../../src/store/repos/bot-bindings.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: the event bindings bots and app installs write for their owner (store/repos/bot-bindings.ts). */
describe('store contract: bot bindings', () => {
  let t: TestStore;
  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  const hook = { appId: 0, token: 'CLIENT' };
  const app = { appId: 7, token: 'local.app' };

  it("an owner's handler of an event is replaced, other owners' and other events' stay", async () => {
    const db = t.store.db;
    await replaceOwnerHandler(db, hook, 'ONIMBOTMESSAGEADD', 'https://a.example/1', 1);
    await replaceOwnerHandler(db, hook, 'ONIMBOTDELETE', 'https://a.example/d', 1);
    await replaceOwnerHandler(db, { appId: 0, token: 'OTHER' }, 'ONIMBOTMESSAGEADD', 'https://b.example/', 1);
    await replaceOwnerHandler(db, hook, 'ONIMBOTMESSAGEADD', 'https://a.example/2', 2);
    const rows = await listOwnerHandlers(db, hook);
    assert.deepEqual(rows.map((r) => [r.event_name, r.handler_url]), [['ONIMBOTDELETE', 'https://a.example/d'], ['ONIMBOTMESSAGEADD', 'https://a.example/2']]);
    assert.ok(rows[0]!.id < rows[1]!.id, 'id order');
    assert.equal((await listOwnerHandlers(db, { appId: 0, token: 'OTHER' })).length, 1);
    assert.deepEqual((await listOwnerHandlers(db, hook, ['ONIMBOTDELETE'])).map((r) => r.event_name), ['ONIMBOTDELETE']);
  });

  it('inserts, re-tokens and deletes an owner\'s rows of some events, and rows by id', async () => {
    const db = t.store.db;
    const v2 = ['ONIMBOTV2MESSAGEADD', 'ONIMBOTV2DELETE'];
    const key = { appId: 0, token: 'secret1' };
    await insertBindings(db, v2.map((event_name) => ({ event_name, handler_url: 'https://v2.example/', app_id: 0, application_token: 'secret1', user_id: 0, created_at: 1 })));
    await insertBindings(db, []);
    assert.equal((await listOwnerHandlers(db, key, v2)).length, 2);
    await retokenOwnerHandlers(db, key, v2, 'secret2');
    assert.deepEqual(await listOwnerHandlers(db, key), []);
    const moved = await listOwnerHandlers(db, { appId: 0, token: 'secret2' }, v2);
    assert.equal(moved.length, 2);
    await deleteBindingsById(db, [moved[0]!.id]);
    await deleteBindingsById(db, []);
    assert.equal((await listOwnerHandlers(db, { appId: 0, token: 'secret2' })).length, 1);
    await deleteOwnerHandlers(db, { appId: 0, token: 'secret2' }, v2);
    assert.deepEqual(await listOwnerHandlers(db, { appId: 0, token: 'secret2' }), []);
    assert.equal((await listOwnerHandlers(db, hook)).length, 2, 'other owners untouched');
  });

  it("an application's one binding of an event, and all of them going at uninstall", async () => {
    const db = t.store.db;
    const first = await replaceAppEventBinding(db, app, 'ONAPPINSTALL', 'https://app.example/install', 1);
    assert.equal(first.handler_url, 'https://app.example/install');
    assert.equal(first.application_token, 'local.app');
    assert.equal(first.event_type, 'online');
    const second = await replaceAppEventBinding(db, app, 'ONAPPINSTALL', 'https://app.example/again', 2);
    assert.deepEqual((await listAppEventBindings(db, 7, 'ONAPPINSTALL')).map((b) => b.id), [second.id]);
    await replaceOwnerHandler(db, app, 'ONIMCOMMANDADD', 'https://app.example/cmd', 3);
    await deleteAppBindings(db, 7);
    assert.deepEqual(await listOwnerHandlers(db, app), []);
    assert.equal((await listOwnerHandlers(db, hook)).length, 2);
  });
});
