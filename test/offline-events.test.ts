import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issueTokens, portalEndpoints } from '../src/auth/oauth.js';
import { control, startReceiver, type Hit, type Receiver } from './helpers/events.js';
import { advance, freeze, installScriptApp, portalCtx, type InstallAuth } from './helpers/oauth.js';
import { addPerson, assertError, assertResult, callJson, startPortal, type Answer, type Expected, type Person, type TestPortal } from './helpers/server.js';

// Offline events (api-reference/events/offline-events.md): offline bindings fill the app's queue in the transaction of the
// change; event.offline.get reserves (clear=0, process_id), re-reads, clears; event.offline.error
// flags; event.offline.list pages; ONOFFLINEEVENT tells an online handler, at most every minTimeout.

const DENIED: Expected = [403, 'ACCESS_DENIED', 'Access denied!'];

describe('offline events', () => {
  let p: TestPortal;
  let r: Receiver;
  let admin: InstallAuth;
  let person: Person;
  let personToken: string;
  let botId: number;
  const call = (method: string, params: Record<string, unknown> = {}, token = admin.access_token): Promise<Answer> =>
    callJson(`${p.http}/rest`, method, { ...params, auth: token });
  const ok = async (method: string, params: Record<string, unknown> = {}) => assertResult(await call(method, params), method);
  /** ONOFFLINEEVENT rows written so far (the outbox gets them in the call's own transaction). */
  const notices = async () => ((await control(p.http, p.server.controlToken, 'events?event=ONOFFLINEEVENT')).body.events as any[]).length;

  before(async () => {
    p = await startPortal();
    r = await startReceiver();
    const installed = await installScriptApp(p, r, '/install');
    admin = installed.auth;
    person = await addPerson(p, 'Irina');
    const ctx = portalCtx(p);
    personToken = (await issueTokens(ctx, installed.app, person.id, installed.app.scope, portalEndpoints(ctx))).access_token;
    botId = await ok('imbot.register', { CODE: 'queue', EVENT_HANDLER: `${r.base}/bot`, PROPERTIES: { NAME: 'Queue' } });
    assert.equal(await ok('event.bind', { event: 'ONIMBOTMESSAGEADD', event_type: 'offline' }), true);
    assert.equal(await ok('event.bind', { event: 'ONOFFLINEEVENT', handler: `${r.base}/notify`, options: { minTimeout: 5, other: 'x' } }), true);
  });
  after(async () => {
    await r.close();
    await p.stop();
  });

  it('is for administrators of the app: a non-admin gets "Access denied!" 403', async () => {
    for (const m of ['event.offline.get', 'event.offline.list', 'event.offline.clear', 'event.offline.error']) {
      assertError(await call(m, { process_id: 'x', message_id: [] }, personToken), DENIED, m);
    }
  });

  it('a bot message goes online and to the queue; ONOFFLINEEVENT tells the handler; clear=0 reserves, error flags, clear empties', async () => {
    assert.equal((await callJson(person.hook, 'im.message.add', { DIALOG_ID: botId, MESSAGE: 'hello offline' })).status, 200);
    await r.waitFor(1, (h: Hit) => h.url === '/bot' && h.form.event === 'ONIMBOTMESSAGEADD');
    const [notice] = await r.waitFor(1, (h: Hit) => h.url === '/notify');
    assert.deepEqual(Object.keys(notice!.form), ['event', 'event_handler_id', 'ts', 'auth']); // data is empty, so absent
    assert.equal(notice!.form.event, 'ONOFFLINEEVENT');
    assert.deepEqual(Object.keys(notice!.form.auth as object), [
      'access_token', 'expires', 'expires_in', 'scope', 'domain', 'server_endpoint', 'status', 'client_endpoint', 'member_id', 'user_id', 'refresh_token', 'application_token',
    ]);
    assert.equal((notice!.form.auth as any).user_id, String(person.id));

    const listed = await call('event.offline.list');
    assert.equal(listed.body.total, 1);
    const [row] = assertResult(listed);
    assert.deepEqual(Object.keys(row), ['ID', 'TIMESTAMP_X', 'EVENT_NAME', 'EVENT_DATA', 'EVENT_ADDITIONAL', 'MESSAGE_ID', 'PROCESS_ID', 'ERROR']);
    assert.equal(row.EVENT_NAME, 'ONIMBOTMESSAGEADD');
    assert.deepEqual(row.EVENT_DATA.BOT, { [botId]: { BOT_ID: botId, BOT_CODE: 'queue' } }); // no tokens in the queue
    assert.equal(row.EVENT_DATA.PARAMS.MESSAGE, 'hello offline');
    assert.deepEqual(row.EVENT_ADDITIONAL, { user_id: person.id });
    assert.match(row.MESSAGE_ID, /^[0-9a-f]{32}$/);
    assert.match(row.TIMESTAMP_X, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    assert.deepEqual([row.PROCESS_ID, row.ERROR], ['', '0']);

    const got = await ok('event.offline.get', { clear: 0 });
    assert.match(got.process_id, /^[0-9a-f]{32}$/);
    const { PROCESS_ID, ERROR, ...asGot } = row;
    assert.deepEqual(got.events, [asGot]);
    const parallel = await ok('event.offline.get', { clear: 0 });
    assert.deepEqual(parallel.events, []); // reserved rows are hidden from other readers
    assert.notEqual(parallel.process_id, got.process_id);
    assert.deepEqual((await ok('event.offline.get', { clear: 0, process_id: got.process_id })).events, [asGot]);
    assert.equal((await ok('event.offline.list'))[0].PROCESS_ID, got.process_id);

    assert.equal(await ok('event.offline.error', { process_id: got.process_id, message_id: [row.MESSAGE_ID] }), true);
    const flagged = (await ok('event.offline.list'))[0];
    assert.deepEqual([flagged.ID, flagged.PROCESS_ID, flagged.ERROR], [row.ID, '', '1']);
    assert.deepEqual((await ok('event.offline.get', { clear: 0 })).events, []); // error rows only with error=1
    const retry = await ok('event.offline.get', { clear: 0, error: 1 });
    assert.deepEqual(retry.events.map((e: any) => e.ID), [row.ID]);
    assert.equal(await ok('event.offline.clear', { process_id: retry.process_id }), true);
    const empty = await call('event.offline.list');
    assert.deepEqual([assertResult(empty), empty.body.total], [[], 0]);
  });

  it('clear=1 (the default) returns and deletes; the queue keeps the latest state per object', async () => {
    assert.equal(await ok('event.bind', { event: 'ONAPPTEST', event_type: 'offline' }), true);
    // A frozen clock: TIMESTAMP_X has whole seconds, so a second boundary passing between the two
    // event.test calls would otherwise add one to the measured distance.
    await freeze(p, true);
    assert.equal(await ok('event.test', { any: 'data' }), 1);
    const first = (await ok('event.offline.list'))[0];
    await advance(p, 60_000);
    assert.equal(await ok('event.test', { any: 'data' }), 1); // the same object again: one row, newer time
    assert.equal(await ok('event.test', { any: 'other' }), 1);
    const rows = await ok('event.offline.list');
    assert.deepEqual(rows.map((e: any) => [e.ID, e.EVENT_DATA.QUERY.any]), [[first.ID, 'data'], [String(Number(first.ID) + 1), 'other']]);
    assert.equal(Date.parse(rows[0].TIMESTAMP_X) - Date.parse(first.TIMESTAMP_X), 60_000);
    await freeze(p, false);
    const got = await ok('event.offline.get', { order: { ID: 'DESC' }, limit: 1 });
    assert.deepEqual([got.process_id, got.events.map((e: any) => e.ID)], [null, [rows[1].ID]]);
    assert.deepEqual((await ok('event.offline.list')).map((e: any) => e.ID), [rows[0].ID]);
    assert.deepEqual((await ok('event.offline.get', { filter: { EVENT_NAME: 'ONAPPTEST' } })).events.map((e: any) => e.ID), [rows[0].ID]);
    assert.deepEqual(await ok('event.offline.list'), []);
  });

  it('ONOFFLINEEVENT: at most once per options.minTimeout seconds of the portal clock', async () => {
    await advance(p, 10_000);
    const before = await notices();
    await ok('event.test', { n: 1 });
    await ok('event.test', { n: 2 });
    assert.equal(await notices(), before + 1);
    await advance(p, 4_000);
    await ok('event.test', { n: 3 });
    assert.equal(await notices(), before + 1);
    await advance(p, 1_000);
    await ok('event.test', { n: 4 });
    assert.equal(await notices(), before + 2);
    await ok('event.offline.clear', { process_id: '' }); // the free rows: a process id like any other
    assert.deepEqual(await ok('event.offline.list'), []);
  });

  it('event.offline.list pages by 50 with total and next', async () => {
    for (let i = 0; i < 52; i++) await ok('event.test', { i });
    const page1 = await call('event.offline.list');
    assert.deepEqual([assertResult(page1).length, page1.body.total, page1.body.next], [50, 52, 50]);
    const page2 = await call('event.offline.list', { start: 50 });
    assert.deepEqual([assertResult(page2).length, page2.body.total, page2.body.next], [2, 52, undefined]);
    assert.deepEqual(assertResult(page2).map((e: any) => e.EVENT_DATA.QUERY.i), [50, 51]); // JSON numbers stay numbers in EVENT_DATA
    assert.equal(await ok('event.offline.clear', { process_id: '', id: [assertResult(page2)[0].ID] }), true);
    assert.equal((await call('event.offline.list')).body.total, 51);
  });

  it('refuses bad arguments with the portal texts', async () => {
    const rows: [string, Record<string, unknown>, Expected, string?][] = [
      ['event.offline.get', { limit: 0 }, [400, 'ERROR_ARGUMENT', 'Value must be positive integer'], 'LIMIT'],
      ['event.offline.get', { filter: 'ID' }, [400, 'ERROR_ARGUMENT', 'The filter is not an array.']],
      ['event.offline.get', { filter: { '!ID': 1 } }, [400, 'ERROR_ARGUMENT', 'Filter operation not allowed: !']],
      ['event.offline.get', { filter: { PROCESS_ID: '' } }, [400, 'ERROR_ARGUMENT', 'Filter field not allowed: PROCESS_ID']],
      ['event.offline.get', { order: 'ID' }, [400, 'ERROR_ARGUMENT', 'The order is not an array.']],
      ['event.offline.get', { order: { ID: 'UP' } }, [400, 'ERROR_ARGUMENT', 'Order direction should be one of {ASC|DESC}']],
      ['event.offline.list', { order: { FOO: 'ASC' } }, [400, 'ERROR_ARGUMENT', 'Order field not allowed: FOO']],
      ['event.offline.clear', {}, [400, 'ERROR_ARGUMENT', "Argument 'PROCESS_ID' is null or empty"], 'PROCESS_ID'],
      ['event.offline.clear', { process_id: 'p', message_id: 'x' }, [400, 'ERROR_ARGUMENT', 'Value must be array of MESSAGE_ID values'], 'message_id'],
      ['event.offline.clear', { process_id: 'p', message_id: ['short'] }, [400, 'ERROR_ARGUMENT', 'Value must be array of MESSAGE_ID values'], 'messsage_id'],
      ['event.offline.clear', { process_id: 'p', id: [0] }, [400, 'ERROR_ARGUMENT', 'Value must be array of integers'], 'id'],
      ['event.offline.error', { message_id: [] }, [400, 'ERROR_ARGUMENT', "Argument 'PROCESS_ID' is null or empty"], 'PROCESS_ID'],
      ['event.offline.error', { process_id: 'p' }, [400, 'ERROR_ARGUMENT', 'Value must be array of MESSAGE_ID values'], 'message_id'],
    ];
    const total = (await call('event.offline.list')).body.total;
    for (const [method, params, expected, argument] of rows) {
      const a = await call(method, params);
      assertError(a, expected, `${method} ${JSON.stringify(params)}`);
      assert.equal(a.body.argument, argument, `${method} ${JSON.stringify(params)}`);
    }
    assert.equal((await call('event.offline.list')).body.total, total);
  });

  it('event.unbind event_type=offline stops the queue', async () => {
    assert.deepEqual(await ok('event.unbind', { event: 'ONAPPTEST', event_type: 'offline' }), { count: 1 });
    const total = (await call('event.offline.list')).body.total;
    await ok('event.test', { after: 'unbind' });
    assert.equal((await call('event.offline.list')).body.total, total);
  });
});
