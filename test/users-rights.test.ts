import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addWebhook } from '../src/auth/webhooks.js';
import { addPerson, assertError, assertResult, callJson, startPortal, type Person, type TestPortal } from './helpers/server.js';

/**
 * The user group through HTTP: user.admin, user.access, access.name, user.search, user.fields
 * and the caller's presence (im.user.status.get/set, im.user.status.idle.start/end).
 */

describe('users: rights, search, fields and presence', () => {
  let p: TestPortal;
  let ann: Person;
  let bob: Person;
  let boss: Person;

  before(async () => {
    p = await startPortal();
    ann = await addPerson(p, 'Ann', { lastName: 'Lee', workPosition: 'Accountant' });
    bob = await addPerson(p, 'Bob', { lastName: 'Anders', workPosition: 'Driver', userType: 'extranet' });
    boss = await addPerson(p, 'Zed', { lastName: 'Boss', isAdmin: true });
  });
  after(() => p.stop());

  const hookWithScope = async (userId: number, scope: string) =>
    `${p.http}/rest/${userId}/${(await addWebhook(p.server.core.store.db, p.server.clock, { userId, scope })).code}`;

  it('user.admin answers whether the caller administers the portal, with any scope', async () => {
    assert.equal(assertResult(await callJson(p.adminHook, 'user.admin')), true);
    assert.equal(assertResult(await callJson(boss.hook, 'user.admin')), true);
    assert.equal(assertResult(await callJson(ann.hook, 'user.admin')), false);
    assert.equal(assertResult(await callJson(await hookWithScope(ann.id, 'im'), 'user.admin')), false);
  });

  it('user.access: any of the caller\'s codes, always true for administrators', async () => {
    const access = async (who: Person | string, ACCESS: unknown) => assertResult(await callJson(typeof who === 'string' ? who : who.hook, 'user.access', { ACCESS }));
    assert.equal(await access(ann, [`U${ann.id}`]), true);
    assert.equal(await access(ann, ['U1', `U${bob.id}`]), false);
    assert.equal(await access(ann, ['G1']), false);
    assert.equal(await access(ann, ['G5', 'AU']), true);
    assert.equal(await access(ann, 'G2'), true, 'one code as a string');
    assert.equal(await access(ann, []), false);
    assert.equal(assertResult(await callJson(ann.hook, 'user.access', {})), false);
    assert.equal(await access(boss, ['U1']), true);
    assert.equal(await access(p.adminHook, ['G99']), true);
  });

  it('access.name names the codes that exist, in the order asked; nothing asked: false', async () => {
    assert.deepEqual(assertResult(await callJson(ann.hook, 'access.name', { ACCESS: ['G2', 'AU', `U${ann.id}`, 'U99999', 'G77', 'G1'] })), {
      G2: { provider: '', name: 'All visitors', provider_id: 'other' },
      AU: { provider: '', name: 'All authorized users', provider_id: 'other' },
      [`U${ann.id}`]: { provider: 'Users', name: 'Ann Lee', provider_id: 'user' },
      G1: { provider: '', name: 'Administrators', provider_id: 'other' },
    });
    assert.equal(assertResult(await callJson(ann.hook, 'access.name', {})), false);
    assert.equal(assertResult(await callJson(ann.hook, 'access.name', { ACCESS: [] })), false);
    assert.deepEqual(assertResult(await callJson(ann.hook, 'access.name', { ACCESS: ['G77'] })), []);
  });

  it('user.search: FIND across names, prefix fields, USER_TYPE, FILTER, paging like user.get', async () => {
    const ids = (a: any) => assertResult(a).map((u: any) => Number(u.ID));
    assert.deepEqual(ids(await callJson(ann.hook, 'user.search', { FIND: 'lee' })), [ann.id]);
    assert.deepEqual(ids(await callJson(ann.hook, 'user.search', { FILTER: { FIND: 'driver' } })), [bob.id]);
    assert.deepEqual(ids(await callJson(ann.hook, 'user.search', { FIND: 'Ann', NAME: 'Bob' })), [ann.id], 'FIND excludes the other keys');
    assert.deepEqual(ids(await callJson(ann.hook, 'user.search', { LAST_NAME: 'and' })), [bob.id], 'from the start, any case');
    assert.deepEqual(ids(await callJson(ann.hook, 'user.search', { LAST_NAME: 'nders' })), []);
    assert.deepEqual(ids(await callJson(ann.hook, 'user.search', { WORK_POSITION: 'acc', NAME: 'a' })), [ann.id]);
    assert.deepEqual(ids(await callJson(ann.hook, 'user.search', { USER_TYPE: 'extranet' })), [bob.id]);
    assert.deepEqual(ids(await callJson(ann.hook, 'user.search', { UF_DEPARTMENT_NAME: 'Sales' })), []);
    const all = await callJson(ann.hook, 'user.search', { sort: 'LAST_NAME', order: 'DESC' });
    assert.deepEqual(ids(all).slice(0, 3), [ann.id, boss.id, bob.id]);
    assert.equal(all.body.total, 4);
    const page = assertResult(await callJson(ann.hook, 'user.search', { FIND: 'Ann' }))[0];
    assert.deepEqual(Object.keys(page), Object.keys(assertResult(await callJson(ann.hook, 'user.get', { ID: ann.id }))[0]));
    assertError(await callJson(await hookWithScope(ann.id, 'im'), 'user.search', { FIND: 'Ann' }), [401, 'insufficient_scope', 'The request requires higher privileges than provided by the webhook token']);
  });

  it('user.fields: every field for `user`, the scope\'s list for user_basic and user_brief', async () => {
    const full = assertResult(await callJson(ann.hook, 'user.fields'));
    assert.equal(Object.keys(full).length, 62, 'the 62 fields of the docs example');
    assert.equal(full.UF_DEPARTMENT, 'Units');
    assert.equal(full.EMAIL, 'E-Mail');
    const basic = assertResult(await callJson(await hookWithScope(ann.id, 'user_basic'), 'user.fields'));
    assert.equal(basic.EMAIL, 'E-Mail');
    assert.equal('LAST_LOGIN' in basic, false);
    const brief = assertResult(await callJson(await hookWithScope(ann.id, 'user_brief'), 'user.fields'));
    assert.equal('EMAIL' in brief, false);
    assert.equal(brief.PERSONAL_BIRTHDAY, 'Date of Birth');
    assertError(await callJson(await hookWithScope(ann.id, 'im'), 'user.fields'), [401, 'insufficient_scope', 'The request requires higher privileges than provided by the webhook token']);
  });

  it('im.user.status.get/set: the status the caller chose, shown on their card', async () => {
    assert.equal(assertResult(await callJson(bob.hook, 'im.user.status.get')), 'online');
    assert.equal(assertResult(await callJson(bob.hook, 'im.user.status.set', { STATUS: 'dnd' })), true);
    assert.equal(assertResult(await callJson(bob.hook, 'im.user.status.get')), 'dnd');
    assert.equal(assertResult(await callJson(ann.hook, 'im.user.get', { ID: bob.id })).status, 'dnd');
    assert.equal(assertResult(await callJson(ann.hook, 'im.user.status.get')), 'online', 'per person');
    for (const STATUS of ['DND', 'offline', '', undefined]) {
      assertError(await callJson(bob.hook, 'im.user.status.set', STATUS === undefined ? {} : { STATUS }), [400, 'STATUS_ERROR', 'Status is not available'], String(STATUS));
    }
    assert.equal(assertResult(await callJson(bob.hook, 'im.user.status.get')), 'dnd');
    for (const s of ['away', 'break', 'online']) {
      assertResult(await callJson(bob.hook, 'im.user.status.set', { status: s }));
      assert.equal(assertResult(await callJson(bob.hook, 'im.user.status.get')), s);
    }
  });

  it('im.user.status.idle.start/end: idle since AGO minutes (10 by default, at least 1)', async () => {
    const now = Date.UTC(2031, 1, 2, 10, 0, 0);
    p.server.clock.set(now);
    p.server.clock.freeze();
    try {
      const idle = async () => assertResult(await callJson(ann.hook, 'im.user.list.get', { ID: [ann.id] }))[ann.id].idle;
      assert.equal(await idle(), false);
      assert.equal(assertResult(await callJson(ann.hook, 'im.user.status.idle.start')), true);
      assert.equal(Date.parse(await idle()), now - 10 * 60_000);
      assertResult(await callJson(ann.hook, 'im.user.status.idle.start', { AGO: 3 }));
      assert.equal(Date.parse(await idle()), now - 3 * 60_000);
      assertResult(await callJson(ann.hook, 'im.user.status.idle.start', { AGO: -5 }));
      assert.equal(Date.parse(await idle()), now - 60_000);
      assert.equal(assertResult(await callJson(ann.hook, 'im.user.status.idle.end')), true);
      assert.equal(await idle(), false);
      assert.equal(assertResult(await callJson(ann.hook, 'im.user.status.get')), 'online', 'idle leaves the chosen status alone');
    } finally {
      p.server.clock.unfreeze();
    }
  });

  it('b24jssdk calls user.admin and user.search', async () => {
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const hook = B24Hook.fromWebhookUrl(ann.hook.replace(p.http, p.https));
    assert.equal((await hook.actions.v2.call.make<boolean>({ method: 'user.admin', params: {} })).getData()!.result, false);
    const found = await hook.actions.v2.call.make<any[]>({ method: 'user.search', params: { FILTER: { FIND: 'Boss' } } });
    assert.deepEqual(found.getData()!.result.map((u: any) => u.ID), [String(boss.id)]);
  });
});
