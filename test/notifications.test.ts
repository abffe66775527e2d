import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addWebhook } from '../src/auth/webhooks.js';
import { addPerson, assertError, assertResult, callJson, request, sessionCall, startPortal, type Person, type TestPortal } from './helpers/server.js';

/** The notification methods (api-reference/chats/notifications/*) through HTTP. */

const appKey = (clientId: string) => createHash('md5').update(clientId).digest('hex').slice(0, 5);

describe('notifications', () => {
  let p: TestPortal;
  let ann: Person;
  let bob: Person;
  const admin = () => p.adminHook;

  /** The control API playing a portal module: a confirm or answerable notification for someone. */
  async function moduleNotify(body: Record<string, unknown>): Promise<number> {
    const a = await request(`${p.http}/__control/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify(body),
    });
    assert.equal(a.status, 200, a.text);
    return a.body.id;
  }
  async function replies(userId: number): Promise<any[]> {
    const a = await request(`${p.http}/__control/notifications?user_id=${userId}`, { headers: { 'x-imbot-control-token': p.server.controlToken } });
    assert.equal(a.status, 200, a.text);
    return a.body.replies;
  }
  const get = async (who: Person, params: Record<string, unknown> = {}) => assertResult(await callJson(who.hook, 'im.notify.get', params), 'im.notify.get');

  before(async () => {
    p = await startPortal();
    ann = await addPerson(p, 'Ann Lee');
    bob = await addPerson(p, 'Bob Stone');
  });
  after(() => p.stop());

  it('a person without notifications gets only notifications and users', async () => {
    assert.deepEqual(await get(bob), { notifications: [], users: [] });
  });

  it('im.notify sends a personal notification the recipient reads with im.notify.get', async () => {
    const id = assertResult(await callJson(admin(), 'im.notify', { USER_ID: ann.id, MESSAGE: '  Hello [b]Ann[/b]  ', MESSAGE_OUT: 'Hello (mail)' }));
    assert.equal(typeof id, 'number');
    const r = await get(ann);
    assert.equal(typeof r.chat_id, 'number');
    const n = r.notifications.find((x: any) => x.id === id);
    assert.deepEqual(
      { ...n, date: typeof n.date },
      {
        id, chat_id: r.chat_id, author_id: 1, date: 'string', notify_type: 2, notify_module: 'rest', notify_event: 'rest_notify',
        notify_tag: '', notify_sub_tag: '', notify_title: '', setting_name: 'rest|rest_notify', text: 'Hello [b]Ann[/b]', notify_read: 'N', params: null,
      },
    );
    assert.match(n.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    assert.deepEqual(r.users.map((u: any) => [u.id, u.name]), [[1, r.users[0].name]]);
    assert.equal(r.users[0].id, 1);
    const converted = await get(ann, { CONVERT_TEXT: 'Y' });
    assert.equal(converted.notifications.find((x: any) => x.id === id).text, 'Hello <b>Ann</b>');
  });

  it('TYPE=SYSTEM and im.notify.system.add send system notifications without an author', async () => {
    const a = assertResult(await callJson(admin(), 'im.notify', { USER_ID: ann.id, MESSAGE: 'sys one', TYPE: 'SYSTEM' }));
    const b = assertResult(await callJson(admin(), 'im.notify.system.add', { USER_ID: ann.id, MESSAGE: 'sys two' }));
    const c = assertResult(await callJson(admin(), 'im.notify.personal.add', { user_id: ann.id, message: 'personal' }));
    const r = await get(ann);
    const byId = new Map(r.notifications.map((x: any) => [x.id, x]));
    assert.deepEqual([a, b, c].map((id) => [(byId.get(id) as any).notify_type, (byId.get(id) as any).author_id]), [[4, 0], [4, 0], [2, 1]]);
  });

  it('ATTACH is validated by the rich-content rules and stored in params', async () => {
    const id = assertResult(await callJson(admin(), 'im.notify.personal.add', { USER_ID: ann.id, MESSAGE: 'with attach', ATTACH: [{ MESSAGE: 'inside' }] }));
    const n = (await get(ann)).notifications.find((x: any) => x.id === id);
    assert.deepEqual(n.params.ATTACH[0].BLOCKS, [{ MESSAGE: 'inside' }]);
    assertError(await callJson(admin(), 'im.notify', { USER_ID: ann.id, MESSAGE: 'x', ATTACH: [{ NOPE: 1 }] }), [400, 'ATTACH_ERROR', 'Incorrect attach params']);
    const big = [{ MESSAGE: 'x'.repeat(61_000) }];
    assertError(await callJson(admin(), 'im.notify.system.add', { USER_ID: ann.id, MESSAGE: 'x', ATTACH: big }), [400, 'ATTACH_OVERSIZE', 'You have exceeded the maximum allowable size of attach']);
  });

  it('the add methods answer their documented errors and change nothing', async () => {
    const before = (await get(bob)).notifications.length;
    for (const method of ['im.notify', 'im.notify.personal.add', 'im.notify.system.add']) {
      assertError(await callJson(admin(), method, { MESSAGE: 'x' }), [400, 'USER_ID_EMPTY', "User ID can't be empty"], method);
      assertError(await callJson(admin(), method, { USER_ID: -3, MESSAGE: 'x' }), [400, 'USER_ID_EMPTY', "User ID can't be empty"], method);
      assertError(await callJson(admin(), method, { USER_ID: bob.id, MESSAGE: '   ' }), [400, 'MESSAGE_EMPTY', "Message can't be empty"], method);
      assertError(await sessionCall(p, method, { USER_ID: bob.id, MESSAGE: 'x' }), [403, 'WRONG_AUTH_TYPE', 'Access for this method not allowed by session authorization.'], method);
    }
    assert.equal((await get(bob)).notifications.length, before);
    assert.equal(assertResult(await callJson(admin(), 'im.notify', { USER_ID: 99999, MESSAGE: 'nobody' })), false);
  });

  it('needs the im scope', async () => {
    const hook = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'user' });
    const a = await callJson(`${p.http}/rest/1/${hook.code}`, 'im.notify', { USER_ID: ann.id, MESSAGE: 'x' });
    assertError(a, [401, 'insufficient_scope', 'The request requires higher privileges than provided by the webhook token']);
  });

  it('TAG and SUB_TAG live in the application namespace; a TAG replaces the earlier one', async () => {
    const first = assertResult(await callJson(admin(), 'im.notify', { USER_ID: bob.id, MESSAGE: 'v1', TAG: 'TASK_42', SUB_TAG: 'TASK|42', CLIENT_ID: 'app.one' }));
    const second = assertResult(await callJson(admin(), 'im.notify', { USER_ID: bob.id, MESSAGE: 'v2', TAG: 'TASK_42', CLIENT_ID: 'app.one' }));
    const other = assertResult(await callJson(admin(), 'im.notify', { USER_ID: bob.id, MESSAGE: 'other app', TAG: 'TASK_42', CLIENT_ID: 'app.two' }));
    const ids = (await get(bob)).notifications.map((x: any) => x.id);
    assert.ok(!ids.includes(first) && ids.includes(second) && ids.includes(other));
    const n = (await get(bob)).notifications.find((x: any) => x.id === second);
    assert.equal(n.notify_tag, `MP|${appKey('app.one')}|TASK_42`);
    const withSub = (await get(bob)).notifications.filter((x: any) => x.notify_sub_tag === `MP|${appKey('app.one')}|TASK|42`);
    assert.equal(withSub.length, 0, 'the replaced notification took its SUB_TAG along');
  });

  it('im.notify.delete by ID, TAG and SUB_TAG, with its errors', async () => {
    const byId = assertResult(await callJson(admin(), 'im.notify', { USER_ID: bob.id, MESSAGE: 'delete me' }));
    assert.equal(assertResult(await callJson(ann.hook, 'im.notify.delete', { ID: byId })), false, 'not Ann\'s notification');
    assert.equal(assertResult(await callJson(bob.hook, 'im.notify.delete', { ID: byId })), true);
    assert.equal(assertResult(await callJson(bob.hook, 'im.notify.delete', { ID: byId })), false);

    const tagged = assertResult(await callJson(admin(), 'im.notify', { USER_ID: bob.id, MESSAGE: 't', TAG: 'DEL', CLIENT_ID: 'app.del' }));
    const sub1 = assertResult(await callJson(admin(), 'im.notify', { USER_ID: bob.id, MESSAGE: 's1', SUB_TAG: 'GRP', CLIENT_ID: 'app.del' }));
    const sub2 = assertResult(await callJson(admin(), 'im.notify', { USER_ID: ann.id, MESSAGE: 's2', SUB_TAG: 'GRP', CLIENT_ID: 'app.del' }));
    assert.equal(assertResult(await callJson(admin(), 'im.notify.delete', { TAG: 'DEL', CLIENT_ID: 'app.other' })), false, 'another application\'s tag');
    assert.equal(assertResult(await callJson(admin(), 'im.notify.delete', { TAG: 'DEL', CLIENT_ID: 'app.del' })), true);
    assert.equal(assertResult(await callJson(admin(), 'im.notify.delete', { SUB_TAG: 'GRP', CLIENT_ID: 'app.del' })), true);
    const left = [...(await get(bob)).notifications, ...(await get(ann)).notifications].map((x: any) => x.id);
    assert.ok(![tagged, sub1, sub2].some((id) => left.includes(id)));

    assertError(await callJson(admin(), 'im.notify.delete', {}), [400, 'PARAMS_ERROR', 'Incorrect params']);
    assertError(await callJson(admin(), 'im.notify.delete', { TAG: 'DEL' }), [403, 'ACCESS_DENIED', 'Access denied! Client ID not specified']);
    assertError(await sessionCall(p, 'im.notify.delete', { TAG: 'DEL', CLIENT_ID: 'app.del' }), [400, 'PARAMS_ERROR', 'Incorrect params']);
  });

  it('im.notify.read, im.notify.read.list and im.notify.read.all', async () => {
    const carl = await addPerson(p, 'Carl Read');
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(assertResult(await callJson(admin(), 'im.notify', { USER_ID: carl.id, MESSAGE: `n${i}` })));
    const state = async () => Object.fromEntries((await get(carl)).notifications.map((x: any) => [x.id, x.notify_read]));
    assert.equal(assertResult(await callJson(carl.hook, 'im.notify.read', {})), true);
    assert.equal((await get(carl)).total_unread_count, 4, 'no ID: nothing changes');
    assert.equal(assertResult(await callJson(carl.hook, 'im.notify.read', { ID: ids[1], ONLY_CURRENT: 'Y' })), true);
    assert.deepEqual(await state(), { [ids[0]!]: 'N', [ids[1]!]: 'Y', [ids[2]!]: 'N', [ids[3]!]: 'N' });
    assertResult(await callJson(carl.hook, 'im.notify.read', { ID: ids[2] }));
    assert.deepEqual(await state(), { [ids[0]!]: 'N', [ids[1]!]: 'Y', [ids[2]!]: 'Y', [ids[3]!]: 'Y' }, 'ID and every newer one');
    assertResult(await callJson(carl.hook, 'im.notify.read', { ID: ids[3], ACTION: 'N', ONLY_CURRENT: 'Y' }));
    assert.equal((await state())[ids[3]!], 'N');
    assertResult(await callJson(ann.hook, 'im.notify.read', { ID: ids[0], ONLY_CURRENT: 'Y' }));
    assert.equal((await state())[ids[0]!], 'N', 'only the recipient reads a notification');

    assert.equal(assertResult(await callJson(carl.hook, 'im.notify.read.list', { IDS: [ids[0], 0, ids[3]] })), true);
    assert.deepEqual(await state(), { [ids[0]!]: 'Y', [ids[1]!]: 'Y', [ids[2]!]: 'Y', [ids[3]!]: 'N' }, 'stops at the first id <= 0');
    assertResult(await callJson(carl.hook, 'im.notify.read.list', { IDS: [ids[0], ids[1]], ACTION: 'X' }));
    assert.equal((await get(carl)).total_unread_count, 3, 'any ACTION but Y unreads');
    assertError(await callJson(carl.hook, 'im.notify.read.list', {}), [400, 'PARAMS_ERROR', 'No IDS param or it is not an array']);
    assertError(await callJson(carl.hook, 'im.notify.read.list', { IDS: '5' }), [400, 'PARAMS_ERROR', 'No IDS param or it is not an array']);

    assert.equal(assertResult(await callJson(carl.hook, 'im.counters.get')).TYPE.NOTIFY, 3, 'im.counters.get counts unread notifications');
    assert.deepEqual(assertResult(await callJson(carl.hook, 'im.notify.read.all')), { result: true, newCounter: 0 });
    assert.equal(assertResult(await callJson(carl.hook, 'im.counters.get')).TYPE.NOTIFY, 0);
    const r = await get(carl);
    assert.deepEqual([r.total_count, r.total_unread_count], [4, 0]);
  });

  it('im.notify.get pages confirmations first, then the rest, by LAST_ID and LAST_TYPE', async () => {
    const dana = await addPerson(p, 'Dana Page');
    const plain: number[] = [];
    for (let i = 0; i < 3; i++) plain.push(assertResult(await callJson(admin(), 'im.notify', { USER_ID: dana.id, MESSAGE: `p${i}` })));
    const confirm = await moduleNotify({ user_id: dana.id, message: 'Join?', buttons: [{ title: 'Yes', value: 'Y' }, { title: 'No', value: 'N' }] });
    const page1 = await get(dana, { LIMIT: 2 });
    assert.deepEqual(page1.notifications.map((x: any) => x.id), [confirm, plain[2]]);
    assert.deepEqual([page1.total_count, page1.total_unread_count], [4, 4]);
    assert.equal(page1.notifications[0].notify_type, 1);
    assert.deepEqual(JSON.parse(page1.notifications[0].notify_buttons), [{ TITLE: 'Yes', VALUE: 'Y', TYPE: 'default' }, { TITLE: 'No', VALUE: 'N', TYPE: 'default' }]);
    assert.equal('notify_buttons' in page1.notifications[1], false);
    const page2 = await get(dana, { LIMIT: 2, LAST_ID: plain[2], LAST_TYPE: 3 });
    assert.deepEqual(page2.notifications.map((x: any) => x.id), [plain[1], plain[0]]);
    const fromConfirm = await get(dana, { LAST_ID: confirm, LAST_TYPE: 1 });
    assert.deepEqual(fromConfirm.notifications.map((x: any) => x.id), [plain[2], plain[1], plain[0]]);
    assert.equal((await get(dana, { LIMIT: 500 })).notifications.length, 4);

    assertError(await callJson(dana.hook, 'im.notify.get', { LAST_ID: 5 }), [400, 'LAST_ID_AND_LAST_TYPE', 'Parameters LAST_ID and LAST_TYPE should be used together.']);
    assertError(await callJson(dana.hook, 'im.notify.get', { LAST_TYPE: 3 }), [400, 'LAST_ID_AND_LAST_TYPE', 'Parameters LAST_ID and LAST_TYPE should be used together.']);
    assertError(await callJson(dana.hook, 'im.notify.get', { LAST_ID: 'abc', LAST_TYPE: 3 }), [400, 'LAST_ID_STRING', "Last notification ID can't be string"]);
  });

  it('im.notify.confirm presses a button: the module gets the value, the buttons go', async () => {
    const eve = await addPerson(p, 'Eve Confirm');
    const id = await moduleNotify({
      user_id: eve.id, message: 'Invitation', module: 'calendar', event: 'invite', tag: 'CAL|7',
      buttons: [{ title: 'Accept', value: 'Y', type: 'accept' }, { title: 'Decline', value: 'N', type: 'cancel' }],
      replies: { Y: 'Invitation accepted' },
    });
    assertError(await callJson(eve.hook, 'im.notify.confirm', { NOTIFY_VALUE: 'Y' }), [400, 'ID_ERROR', "Notification ID can't be empty"]);
    assertError(await callJson(eve.hook, 'im.notify.confirm', { NOTIFY_ID: id }), [400, 'NOTIFY_VALUE_ERROR', "Notification Value can't be empty"]);
    assert.deepEqual(assertResult(await callJson(ann.hook, 'im.notify.confirm', { NOTIFY_ID: id, NOTIFY_VALUE: 'Y' })), { result_message: false }, 'not hers');
    assert.deepEqual(assertResult(await callJson(eve.hook, 'im.notify.confirm', { NOTIFY_ID: id, NOTIFY_VALUE: 'MAYBE' })), { result_message: false }, 'no such button');
    assert.deepEqual(assertResult(await callJson(eve.hook, 'im.notify.confirm', { NOTIFY_ID: id, NOTIFY_VALUE: 'Y' })), { result_message: ['Invitation accepted'] });
    const [reply] = await replies(eve.id);
    assert.deepEqual({ ...reply, id: 0, date: 0 }, { id: 0, notify_id: id, user_id: eve.id, module: 'calendar', event: 'invite', tag: 'CAL|7', kind: 'confirm', value: 'Y', date: 0 });
    const n = (await get(eve)).notifications.find((x: any) => x.id === id);
    assert.equal('notify_buttons' in n, false);
    assert.equal(n.notify_read, 'Y');
    assert.deepEqual(assertResult(await callJson(eve.hook, 'im.notify.confirm', { NOTIFY_ID: id, NOTIFY_VALUE: 'N' })), { result_message: false }, 'pressed once');
    const second = await moduleNotify({ user_id: eve.id, message: 'Again', buttons: [{ title: 'OK', value: 'OK' }] });
    assert.deepEqual(assertResult(await callJson(eve.hook, 'im.notify.confirm', { NOTIFY_ID: second, NOTIFY_VALUE: 'OK' })), { result_message: false }, 'the module answers nothing');
  });

  it('im.notify.answer sends a quick answer to a notification that takes one', async () => {
    const fay = await addPerson(p, 'Fay Answer');
    const id = await moduleNotify({ user_id: fay.id, message: 'How was it?', answer: true, module: 'tasks', event: 'comment' });
    const plain = assertResult(await callJson(admin(), 'im.notify', { USER_ID: fay.id, MESSAGE: 'no answers' }));
    assertError(await callJson(fay.hook, 'im.notify.answer', { ANSWER_TEXT: 'x' }), [400, 'ID_ERROR', "Notification ID can't be empty"]);
    assertError(await callJson(fay.hook, 'im.notify.answer', { NOTIFY_ID: id, ANSWER_TEXT: '  ' }), [400, 'ANSWER_TEXT_ERROR', "ANSWER_TEXT can't be empty"]);
    assert.deepEqual(assertResult(await callJson(fay.hook, 'im.notify.answer', { NOTIFY_ID: plain, ANSWER_TEXT: 'hi' })), { result_message: false });
    assert.deepEqual(assertResult(await callJson(fay.hook, 'im.notify.answer', { NOTIFY_ID: id, ANSWER_TEXT: ' Great ' })), { result_message: ['Your response has been successfully sent.'] });
    assert.deepEqual((await replies(fay.id)).map((r) => [r.notify_id, r.kind, r.value, r.module]), [[id, 'answer', 'Great', 'tasks']]);
  });

  it('im.notify.history.search filters by text, type, author, date and tag', async () => {
    const gus = await addPerson(p, 'Gus Search');
    p.server.clock.set(Date.UTC(2030, 0, 10, 12));
    const invoice = assertResult(await callJson(admin(), 'im.notify', { USER_ID: gus.id, MESSAGE: 'Your INVOICE is ready', TAG: 'G', CLIENT_ID: 'app.g' }));
    p.server.clock.set(Date.UTC(2030, 0, 11, 12));
    const invoice2 = assertResult(await callJson(ann.hook, 'im.notify', { USER_ID: gus.id, MESSAGE: 'invoice paid' }));
    const other = assertResult(await callJson(admin(), 'im.notify.system.add', { USER_ID: gus.id, MESSAGE: 'something else' }));
    const mod = await moduleNotify({ user_id: gus.id, message: 'task changed', module: 'tasks', event: 'task_update' });
    const search = async (params: Record<string, unknown>) => assertResult(await callJson(gus.hook, 'im.notify.history.search', params));
    const ids = (r: any) => r.notifications.map((x: any) => x.id);

    const r = await search({ SEARCH_TEXT: 'Invoice' });
    assert.deepEqual(ids(r), [invoice2, invoice]);
    assert.equal(r.total_results, 2);
    assert.equal(typeof r.chat_id, 'number');
    assert.deepEqual(r.users.map((u: any) => u.id).sort(), [1, ann.id].sort());
    const next = await search({ SEARCH_TEXT: 'invoice', LIMIT: 1, LAST_ID: invoice2 });
    assert.deepEqual(ids(next), [invoice]);
    assert.equal('total_results' in next, false, 'total_results on the first page only');
    assert.deepEqual(ids(await search({ SEARCH_TYPE: 'tasks' })), [mod]);
    assert.deepEqual(ids(await search({ SEARCH_TYPES: ['tasks|task_update', 'rest|nothing'] })), [mod]);
    assert.deepEqual(ids(await search({ SEARCH_AUTHORS: [ann.id] })), [invoice2]);
    assert.deepEqual(ids(await search({ SEARCH_DATE: '2030-01-10T00:00:00+00:00' })), [invoice]);
    assert.deepEqual(ids(await search({ SEARCH_DATE_FROM: '2030-01-11T00:00:00+00:00', SEARCH_DATE_TO: '2030-01-11T23:59:59+00:00', SEARCH_TEXT: 'some' })), [other]);
    assert.deepEqual(ids(await search({ SEARCH_TEXT: 'inv', GROUP_TAG: `MP|${appKey('app.g')}|G` })), [invoice]);

    assertError(await callJson(gus.hook, 'im.notify.history.search', { SEARCH_TEXT: 'in' }), [400, 'SEARCH_TEXT_ERROR', "SEARCH_TEXT can't be less than 3 symbols"]);
    assertError(await callJson(gus.hook, 'im.notify.history.search', {}), [400, 'SEARCH_TEXT_ERROR', "SEARCH_TEXT can't be less than 3 symbols"]);
    assertError(await callJson(gus.hook, 'im.notify.history.search', { SEARCH_TEXT: 'invoice', LAST_ID: 'x' }), [400, 'LAST_ID_STRING', "Last notification ID can't be string"]);
  });

  it('im.notify.schema.get lists the modules that notify', async () => {
    assert.deepEqual(assertResult(await callJson(ann.hook, 'im.notify.schema.get')), {
      rest: { NAME: 'Applications', MODULE_ID: 'rest', LIST: [{ ID: 'rest|rest_notify', NAME: 'Notifications from applications' }] },
    });
  });

  it('the control API refuses a malformed module notification', async () => {
    const a = await request(`${p.http}/__control/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
      body: JSON.stringify({ user_id: ann.id, message: 'x', buttons: [{ title: 'no value' }] }),
    });
    assert.equal(a.status, 400);
    assert.equal(a.body.error, 'INVALID_NOTIFICATION');
    const noToken = await request(`${p.http}/__control/notifications`, { method: 'POST', body: '{}' });
    assert.equal(noToken.status, 401);
  });

  it('b24jssdk sends and reads a notification', async () => {
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const hook = B24Hook.fromWebhookUrl(`${p.https}/rest/1/${p.adminCode}`);
    const sent = await hook.actions.v2.call.make<number>({ method: 'im.notify.personal.add', params: { USER_ID: ann.id, MESSAGE: 'from the SDK' } });
    assert.equal(sent.isSuccess, true);
    const id = sent.getData()!.result;
    const annHook = B24Hook.fromWebhookUrl(ann.hook.replace(p.http, p.https));
    const got = await annHook.actions.v2.call.make<any>({ method: 'im.notify.get', params: { LIMIT: 50 } });
    assert.ok(got.getData()!.result.notifications.some((x: any) => x.id === id && x.text === 'from the SDK'));
  });
});
