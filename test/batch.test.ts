import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { dirname, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addWebhook } from '../src/auth/webhooks.js';
import { createUser } from '../src/im/users.js';
import { callJson, request, startPortal, type Answer, type TestPortal } from './helpers/server.js';

/**
 * `batch` (settings/how-to-call-rest-api/batch.md) and list paging (settings/how-to-call-rest-api/list-methods-pecularities.md) through HTTP, with each client's own encoding of
 * the commands: b24jssdk (qs inside a JSON body), PHP (http_build_query, as b24phpsdk's JSON body and
 * as CRest's form), BX24.js (form fields, so the sub-queries are encoded twice, sent as text/plain)
 * and b24pysdk (a JSON list of strings).
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const USERS = 150;
const TIME_KEYS = ['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating'];

/** PHP client (test/clients/batch_style.php): `{halt, cmd: {id: [method, params]}}` on stdin. */
function phpBatch(url: string, style: 'sdk' | 'crest', spec: { halt: unknown; cmd: Record<string, [string, unknown]> }): Promise<{ status: number; body: any }> {
  return new Promise((done, fail) => {
    const child = spawn('php', [resolve(repoRoot, 'test/clients/batch_style.php'), url, style], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`php exited with ${code}: ${err}`))));
    child.stdin.end(JSON.stringify(spec));
  });
}

/** BX24.js `prepareData`: nested keys in literal brackets, names and values encodeURIComponent-ed. */
function bx24PrepareData(data: Record<string, unknown>, prefix = ''): string {
  return Object.entries(data)
    .map(([k, v]) => {
      const name = prefix ? `${prefix}[${encodeURIComponent(k)}]` : encodeURIComponent(k);
      return v !== null && typeof v === 'object' ? bx24PrepareData(v as Record<string, unknown>, name) : `${name}=${encodeURIComponent(String(v))}`;
    })
    .join('&');
}

/** b24pysdk `encode_params`: literal brackets, `quote_plus`-ed keys and values, True/False, `key[]=` for empties. */
function pyEncode(params: Record<string, unknown>, prefix = ''): string {
  const quotePlus = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, '+');
  return Object.entries(params)
    .map(([k, v]) => {
      const name = prefix ? `${prefix}[${quotePlus(k)}]` : quotePlus(k);
      if (v !== null && typeof v === 'object') return Object.keys(v).length ? pyEncode(v as Record<string, unknown>, name) : `${name}[]=`;
      return `${name}=${quotePlus(typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v))}`;
    })
    .join('&');
}

function assertFiveKeys(body: any): any {
  assert.equal(body.error, undefined, JSON.stringify(body));
  assert.deepEqual(Object.keys(body.result), ['result', 'result_error', 'result_total', 'result_next', 'result_time']);
  return body.result;
}

function assertTime(time: any, label: string): void {
  assert.deepEqual(Object.keys(time ?? {}), TIME_KEYS, `${label}: all eight time keys`);
}

describe('batch and pagination', () => {
  let p: TestPortal;
  let hook: string;
  const batch = (params: Record<string, unknown>) => callJson(hook, 'batch', params);

  before(async () => {
    p = await startPortal();
    hook = p.adminHook;
    const db = p.server.core.store.db;
    for (let i = 1; i <= USERS; i++) await createUser(db, p.server.clock, { name: `User${String(i).padStart(3, '0')}`, lastName: 'Batch' });
  });
  after(() => p.stop());

  it('runs an object of commands: the five keys, result_time per result, totals and nexts of lists', async () => {
    const a = await batch({ halt: 0, cmd: { me: 'user.current', page: 'user.get?start=50', time: 'server.time' } });
    assert.equal(a.status, 200);
    const r = assertFiveKeys(a.body);
    assert.equal(r.result.me.ID, '1');
    assert.equal(r.result.page.length, 50);
    assert.equal(r.result.page[0].ID, '51', 'start=50 skips the admin and 49 users');
    assert.deepEqual(r.result_error, []);
    assert.deepEqual(r.result_total, { page: USERS + 1 });
    assert.deepEqual(r.result_next, { page: 100 });
    assert.deepEqual(Object.keys(r.result_time), ['me', 'page', 'time']);
    for (const key of Object.keys(r.result_time)) assertTime(r.result_time[key], key);
    assertTime(a.body.time, 'outer');
    assert.equal(a.body.time.operating, 0, 'batch itself is never counted');
  });

  it('keeps PHP array rules: a list cmd gives lists, gaps give objects keyed by index, empties are []', async () => {
    const all = await batch({ cmd: ['server.time', 'user.current'] });
    const r = assertFiveKeys(all.body);
    assert.ok(Array.isArray(r.result) && r.result.length === 2);
    assert.ok(Array.isArray(r.result_time) && r.result_time.length === 2);
    assert.deepEqual([r.result_error, r.result_total, r.result_next], [[], [], []]);

    const gap = await batch({ cmd: ['server.time', 'no.such.method', 'user.current'] });
    const g = assertFiveKeys(gap.body);
    assert.deepEqual(Object.keys(g.result), ['0', '2']);
    assert.ok(!Array.isArray(g.result) && !Array.isArray(g.result_time));
    assert.deepEqual(g.result_error, { 1: { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' } });

    const first = await batch({ cmd: ['no.such.method', 'server.time'] });
    const f = assertFiveKeys(first.body);
    assert.ok(Array.isArray(f.result_error), 'an error at index 0 only is the list [error]');
    assert.deepEqual(f.result, { 1: f.result[1] });
  });

  describe('halt with PHP truthiness', () => {
    const variants: [unknown, boolean][] = [
      [true, true], [1, true], ['1', true], ['Y', true], ['false', true], ['N', true],
      [false, false], [0, false], ['0', false], ['', false], [undefined, false],
    ];
    for (const [halt, stops] of variants) {
      it(`halt=${JSON.stringify(halt)} ${stops ? 'stops at the first failure' : 'runs every command'}`, async () => {
        const a = await batch({ halt, cmd: { a: 'server.time', bad: 'imbot.bot.list?x=$error', c: 'no.such.method', d: 'user.current' } });
        const r = assertFiveKeys(a.body);
        assert.equal(a.status, 200);
        // imbot.bot.list succeeds (no error yet, `$error` stays literal); the unknown method fails
        assert.deepEqual(Object.keys(r.result), stops ? ['a', 'bad'] : ['a', 'bad', 'd']);
        assert.deepEqual(Object.keys(r.result_error), ['c']);
        assert.deepEqual(Object.keys(r.result_time), Object.keys(r.result));
      });
    }
  });

  it('answers the 51st command and later ones with ERROR_BATCH_LENGTH_EXCEEDED; halt stops at the 51st', async () => {
    const cmd = Object.fromEntries(Array.from({ length: 52 }, (_, i) => [`c${i}`, 'server.time']));
    const a = await batch({ halt: 0, cmd });
    assert.equal(a.status, 200);
    const r = assertFiveKeys(a.body);
    assert.equal(Object.keys(r.result).length, 50);
    const exceeded = { error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' };
    assert.deepEqual(r.result_error, { c50: exceeded, c51: exceeded });

    const halted = assertFiveKeys((await batch({ halt: 1, cmd })).body);
    assert.deepEqual(halted.result_error, { c50: exceeded });
  });

  it('refuses nested batch, upload and download per command', async () => {
    const a = await batch({ cmd: { nested: 'batch?cmd[x]=server.time', up: 'upload', down: 'DOWNLOAD?id=1', ok: 'server.time' } });
    const r = assertFiveKeys(a.body);
    const refused = { error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: 'Method is not allowed for batch usage' };
    assert.deepEqual(r.result_error, { nested: refused, up: refused, down: refused });
    assert.deepEqual(Object.keys(r.result), ['ok']);
  });

  it('runs every command as the outer caller, checking each command\'s scope', async () => {
    const userHook = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 2, scope: 'user' });
    const a = await callJson(`${p.http}/rest/2/${userHook.code}`, 'batch', {
      cmd: { me: 'user.current?auth=someone-else', bots: 'imbot.bot.list', alsoMe: 'user.current' },
    });
    const r = assertFiveKeys(a.body);
    assert.equal(r.result.me.ID, '2', 'the outer credentials win over an auth inside the command');
    assert.equal(r.result.alsoMe.ID, '2');
    assert.deepEqual(r.result_error, {
      bots: { error: 'insufficient_scope', error_description: '' }, // the batch item's bare scope error (settings/how-to-call-rest-api/batch.md)
    });
  });

  it('substitutes $result, $next, $total, $time and $error references keeping types', async () => {
    const a = await batch({
      halt: 0,
      cmd: {
        me: 'user.current',
        page: 'user.get?SORT=ID&ORDER=ASC',
        second: 'user.get?SORT=ID&ORDER=ASC&start=$next[page]',
        past: 'user.get?start=$total[page]',
        same: 'user.get?FILTER=$result[page][3]',
        bad: 'no.such.method',
        say: 'im.message.add?DIALOG_ID=2&MESSAGE=' + encodeURIComponent('Hi $result[me][NAME] | $result[me][ID] | $time[me][duration] | $error[bad][error] | $result[me][NOPE]'),
        code: 'im.message.add?DIALOG_ID=2&MESSAGE=$error[bad][error]',
        read: 'im.dialog.messages.get?DIALOG_ID=2&LIMIT=2',
      },
    });
    const r = assertFiveKeys(a.body);
    assert.equal(r.result.second[0].ID, '51', '$next[page] is 50');
    // start = $total (151) falls on the legacy list's 4th page, which holds the last person
    assert.deepEqual(r.result.past.map((u: { ID: string }) => u.ID), [String(r.result_total.page)], '$total[page] reads the last page');
    assert.deepEqual(r.result.same.map((u: any) => u.ID), ['4'], 'a whole reference keeps its array type (FILTER = a user)');
    const texts = r.result.read.messages.map((m: any) => m.text).sort();
    const me = r.result.me;
    // embedded: only strings are replaced (ID is a string in user.current; duration is a number);
    // a missing segment stops the walk at the user, which is an array, so nothing is replaced
    assert.deepEqual(texts, [
      'ERROR_METHOD_NOT_FOUND',
      `Hi ${me.NAME} | ${me.ID} | $time[me][duration] | ERROR_METHOD_NOT_FOUND | $result[me][NOPE]`,
    ].sort());
  });

  it('pages user.get by start: 50 a page, next/total, start=-1 without count', async () => {
    const page = async (start: unknown) => (await callJson(hook, 'user.get', start === undefined ? {} : { start })).body;
    const first = await page(undefined);
    assert.deepEqual([first.result.length, first.next, first.total], [50, 50, USERS + 1]);
    const third = await page(100);
    assert.deepEqual([third.result.length, third.next, third.total], [50, 150, USERS + 1]);
    const last = await page('150');
    assert.deepEqual([last.result.length, 'next' in last, last.total], [1, false, USERS + 1]);
    const fast = await page(-1);
    assert.deepEqual([fast.result.length, 'next' in fast, fast.total], [50, false, 0]);
  });

  it('b24jssdk: named and listed commands through actions.v2.batch.make round-trip', async () => {
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    const sdk = B24Hook.fromWebhookUrl(`${p.https}/rest/1/${p.adminCode}`);
    const named = await sdk.actions.v2.batch.make({
      calls: {
        me: { method: 'user.current', params: {} },
        found: ['user.get', { FILTER: { '>ID': 140 }, SORT: 'ID' }],
        text: ['im.message.add', { DIALOG_ID: '3', MESSAGE: 'a&b=c [d] 100% ✓ ?x#y' }],
      },
      options: { isHaltOnError: true },
    });
    assert.equal(named.isSuccess, true, named.getErrorMessages().join('; '));
    const data = named.getData() as any;
    assert.equal(data.me.ID, '1');
    assert.deepEqual(data.found.map((u: any) => u.ID), ['141', '142', '143', '144', '145', '146', '147', '148', '149', '150', '151']);
    const read = await callJson(hook, 'im.dialog.messages.get', { DIALOG_ID: '3', LIMIT: 1 });
    assert.equal(read.body.result.messages[0].text, 'a&b=c [d] 100% ✓ ?x#y');

    const listed = await sdk.actions.v2.batch.make({ calls: [['server.time', {}], ['user.get', { ID: 5 }]], options: { isHaltOnError: false } });
    assert.equal(listed.isSuccess, true);
    assert.equal((listed.getData() as any)[1][0].ID, '5');
  });

  it('PHP (b24phpsdk style, JSON body): a chain of 3 commands linked by $result[cmd_N][49][ID] pages 150 users', async () => {
    const page = (after: unknown) => ['user.get', { order: 'ASC', sort: 'ID', filter: { '>ID': after }, start: -1 }] as [string, unknown];
    const a = await phpBatch(`${hook}/batch`, 'sdk', {
      halt: true,
      cmd: {
        cmd_0: page(1),
        cmd_1: page('$result[cmd_0][49][ID]'),
        cmd_2: page('$result[cmd_1][49][ID]'),
        cmd_3: page('$result[cmd_2][49][ID]'),
      },
    });
    assert.equal(a.status, 200);
    const r = a.body.result;
    const ids = ['cmd_0', 'cmd_1', 'cmd_2'].flatMap((k) => r.result[k].map((u: any) => Number(u.ID)));
    assert.deepEqual(ids, Array.from({ length: USERS }, (_, i) => i + 2), 'every user once, in order');
    assert.deepEqual(r.result.cmd_3, [], 'the chain ends with an empty page');
    assert.deepEqual(r.result_total, { cmd_0: 0, cmd_1: 0, cmd_2: 0 }, 'start=-1: total 0, and none for the empty page');
    assert.deepEqual(r.result_next, []);
    assert.deepEqual(Object.keys(r.result_time), ['cmd_0', 'cmd_1', 'cmd_2', 'cmd_3']);
  });

  it('PHP (CRest style, form body): http_build_query commands, halt 0, nested params', async () => {
    const a = await phpBatch(`${hook}/batch.json`, 'crest', {
      halt: 0,
      cmd: {
        time: ['server.time', {}],
        users: ['user.get', { FILTER: { ID: [7, 9] }, SORT: 'ID' }],
        text: ['im.message.add', { DIALOG_ID: '4', MESSAGE: 'Привет & пока + 1 = 2 [x]' }],
      },
    });
    assert.equal(a.status, 200);
    assert.deepEqual(a.body.result.result.users.map((u: any) => u.ID), ['7', '9']);
    assert.equal(typeof a.body.result.result.text, 'number');
    const read = await callJson(hook, 'im.dialog.messages.get', { DIALOG_ID: '4', LIMIT: 1 });
    assert.equal(read.body.result.messages[0].text, 'Привет & пока + 1 = 2 [x]');
  });

  it('BX24.js style: form fields twice encoded, sent as text/plain', async () => {
    const sub = (method: string, params: Record<string, unknown>) => `${method}?${bx24PrepareData(params)}`;
    const body = bx24PrepareData({
      halt: 0,
      cmd: {
        users: sub('user.get', { FILTER: { '>=ID': 10, '<=ID': 11 } }),
        text: sub('im.message.add', { DIALOG_ID: '5', MESSAGE: 'x=1&y=2 50% #tag' }),
      },
    });
    const a: Answer = await request(`${hook}/batch.json`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    const r = assertFiveKeys(a.body);
    assert.deepEqual(r.result.users.map((u: any) => u.ID), ['10', '11']);
    const read = await callJson(hook, 'im.dialog.messages.get', { DIALOG_ID: '5', LIMIT: 1 });
    assert.equal(read.body.result.messages[0].text, 'x=1&y=2 50% #tag');
  });

  it('b24pysdk style: a JSON list of encoded strings, JSON halt, Python booleans and empty lists', async () => {
    const a = await request(`${hook}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        halt: false,
        cmd: [
          `user.get?${pyEncode({ FILTER: { ID: 12 }, ADMIN_MODE: true, SELECT: [] })}`,
          `im.message.add?${pyEncode({ DIALOG_ID: '6', MESSAGE: 'a b+c/d?e' })}`,
        ],
      }),
    });
    const r = assertFiveKeys(a.body);
    assert.ok(Array.isArray(r.result));
    assert.equal(r.result[0][0].ID, '12');
    const read = await callJson(hook, 'im.dialog.messages.get', { DIALOG_ID: '6', LIMIT: 1 });
    assert.equal(read.body.result.messages[0].text, 'a b+c/d?e');
  });
});
