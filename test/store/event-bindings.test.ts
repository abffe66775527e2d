import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  botHandlerRows,
  deleteAppBindings,
  deleteBindings,
  deleteBindingsById,
  deleteOwnerHandlers,
  insertBindingOnce,
  insertBindings,
  listAppBindings,
  listAppEventBindings,
  listBindingHandlers,
  listOwnerBindings,
  listOwnerHandlers,
  replaceAppEventBinding,
  replaceOwnerHandler,
  retokenOwnerHandlers,
  type BindingKey,
} from '../../src/store/repos/event-bindings.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: store/repos/event-bindings.ts, the one owner of `event_bindings`. */
describe('store contract: event bindings an application makes (event.bind)', () => {
  let t: TestStore;
  const key = (over: Partial<BindingKey> = {}): BindingKey => ({ appId: 3, event: 'ONAPPTEST', handler: 'https://h.example/a', userId: 0, connectorId: '', ...over });
  const row = (token: string, offline = false) => ({ application_token: token, auth_type: 0, event_type: offline ? 'offline' : 'online', options: '{}', created_at: 1 });

  before(async () => {
    t = await openTestStore();
  });
  after(() => t.close());

  it('the same app, event, handler, user and connector is bound once, even by concurrent binds', async () => {
    const { store } = t;
    const results = await Promise.all(Array.from({ length: 8 }, () => store.transaction((trx) => insertBindingOnce(trx, key(), row('client-3')))));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await listAppBindings(store.db, 3)).length, 1);
    assert.equal(await insertBindingOnce(store.db, key({ userId: 7 }), row('client-3')), true, 'another user');
    assert.equal(await insertBindingOnce(store.db, key({ handler: 'https://h.example/b' }), row('client-3')), true, 'another handler');
    assert.equal(await insertBindingOnce(store.db, key({ event: 'ONAPPINSTALL' }), row('client-3')), true, 'another event');
    assert.equal(await insertBindingOnce(store.db, key({ handler: '', connectorId: 'c1', event: 'ONCRMLEADADD' }), row('client-3', true)), true);
  });

  it('an app\'s bindings list in id order, by user or event; an unbind removes the matching ones and counts them', async () => {
    const db = t.store.db;
    const all = await listAppBindings(db, 3);
    assert.deepEqual(all.map((b) => [b.event_name, b.handler_url, b.user_id]), [
      ['ONAPPTEST', 'https://h.example/a', 0],
      ['ONAPPTEST', 'https://h.example/a', 7],
      ['ONAPPTEST', 'https://h.example/b', 0],
      ['ONAPPINSTALL', 'https://h.example/a', 0],
      ['ONCRMLEADADD', '', 0],
    ]);
    assert.deepEqual((await listAppBindings(db, 3, { userId: 7 })).map((b) => b.user_id), [7]);
    assert.deepEqual((await listAppBindings(db, 3, { event: 'ONAPPINSTALL' })).map((b) => b.event_name), ['ONAPPINSTALL']);
    assert.equal(await deleteBindings(db, { appId: 3, event: 'ONAPPTEST', handler: 'https://h.example/a', userId: 7 }), 1);
    assert.equal(await deleteBindings(db, { appId: 3, event: 'ONCRMLEADADD', handler: '', connectorId: 'other' }), 0);
    assert.equal(await deleteBindings(db, { appId: 3, event: 'ONAPPTEST', handler: 'https://h.example/a' }), 1);
    assert.equal(await deleteBindings(db, { appId: 4, event: 'ONAPPTEST', handler: 'https://h.example/b' }), 0, 'another app\'s binding is not touched');
  });

  it('an owner\'s handlers: an OAuth app by client id (app > 0), a webhook owner by token (app 0); online only on request', async () => {
    const db = t.store.db;
    await insertBindingOnce(db, { appId: 0, event: 'ONIMBOTMESSAGEADD', handler: 'https://w.example/', userId: 0, connectorId: '' }, row('client-3'));
    await insertBindingOnce(db, { appId: 3, event: 'ONIMBOTMESSAGEADD', handler: 'https://h.example/bot', userId: 0, connectorId: '' }, row('client-3'));
    await insertBindingOnce(db, { appId: 3, event: 'ONIMBOTMESSAGEADD', handler: '', userId: 0, connectorId: '' }, row('client-3', true));
    assert.deepEqual((await listOwnerBindings(db, 'ONIMBOTMESSAGEADD', { oauthClientId: 'client-3' })).map((b) => [b.app_id, b.event_type]), [[3, 'online'], [3, 'offline']]);
    assert.deepEqual((await listOwnerBindings(db, 'ONIMBOTMESSAGEADD', { oauthClientId: 'client-3' }, true)).map((b) => b.handler_url), ['https://h.example/bot']);
    assert.deepEqual((await listOwnerBindings(db, 'ONIMBOTMESSAGEADD', { webhookToken: 'client-3' })).map((b) => b.handler_url), ['https://w.example/']);
    assert.deepEqual(await listOwnerBindings(db, 'ONIMBOTJOINCHAT', { webhookToken: 'client-3' }), []);
    const handlers = await listBindingHandlers(db);
    assert.deepEqual(handlers.slice(-3).map((h) => h.handler_url), ['https://w.example/', 'https://h.example/bot', '']);
  });
});

describe('store contract: event bindings written for an owner (bots, app installs)', () => {
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

  it('the console reads the handlers bound for bot events (ONIMBOT*, ONIMCOMMANDADD) only', async () => {
    const db = t.store.db;
    await replaceOwnerHandler(db, { appId: 0, token: 'CONSOLE' }, 'ONIMBOTJOINCHAT', 'https://c.example/j', 1);
    await replaceOwnerHandler(db, { appId: 0, token: 'CONSOLE' }, 'ONIMCOMMANDADD', 'https://c.example/c', 1);
    await replaceOwnerHandler(db, { appId: 0, token: 'CONSOLE' }, 'ONAPPTEST', 'https://c.example/t', 1);
    const mine = (await botHandlerRows(db)).filter((r) => r.application_token === 'CONSOLE').map((r) => r.event_name).sort();
    assert.deepEqual(mine, ['ONIMBOTJOINCHAT', 'ONIMCOMMANDADD']);
  });
});
