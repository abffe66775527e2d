import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteBindings, insertBindingOnce, listAppBindings, listBindingHandlers, listOwnerBindings, type BindingKey } from '../../src/store/repos/event-subscriptions.js';
import { openTestStore, type TestStore } from '../helpers/store.js';

/* Contract: event bindings as events/ keeps them (store/repos/event-subscriptions.ts). */
describe('store contract: event subscriptions', () => {
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
