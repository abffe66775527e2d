import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { control, runCli, startReceiver, until, type Receiver } from './helpers/events.js';
import { addPerson, assertResult, callJson, request, startPortal, type Person, type TestPortal } from './helpers/server.js';

// Reset, snapshot, restore (issue 15 §2): the whole portal (tables and chat files) through
// /__control and the CLI; calls in flight finish first; pending deliveries are never replayed.

function files(dataDir: string): string[] {
  const root = join(dataDir, 'files');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `${join(e.parentPath, e.name).slice(root.length)}:${readFileSync(join(e.parentPath, e.name)).toString('base64')}`)
    .sort();
}

async function texts(hook: string, dialogId: number | string): Promise<string[]> {
  const r = assertResult(await callJson(hook, 'im.dialog.messages.get', { DIALOG_ID: dialogId, LIMIT: 50 }));
  return (r.messages as { text: string; id: number }[]).sort((a, b) => a.id - b.id).map((m) => m.text);
}

describe('snapshots and reset', () => {
  let p: TestPortal;
  let ann: Person;
  const ctl = (method: string, path: string, body?: unknown) =>
    request(`${p.http}/__control/${path}`, {
      method,
      headers: { 'x-imbot-control-token': p.server.controlToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  before(async () => {
    // chat files in the data dir on both engines: the test looks at them there
    p = await startPortal({ files: 'dir' });
    ann = await addPerson(p, 'Ann');
  });
  after(() => p.stop());

  it('restore brings back every table and the chat files exactly, and the ids handed out next', async () => {
    assertResult(await callJson(p.adminHook, 'im.message.add', { DIALOG_ID: ann.id, MESSAGE: 'one' }));
    assertResult(await callJson(p.adminHook, 'im.v2.File.upload', { dialogId: ann.id, fields: { name: 'a.txt', content: Buffer.from('first file').toString('base64') } }));
    const before = { texts: await texts(p.adminHook, ann.id), files: files(p.dataDir) };
    assert.equal(before.files.length, 1);

    const saved = await ctl('POST', 'snapshots', { name: 'base' });
    assert.equal(saved.status, 200, saved.text);
    assert.equal(saved.body.snapshot.name, 'base');
    assert.ok(saved.body.snapshot.rows > 5);
    assert.equal(saved.body.snapshot.file_bytes, 'first file'.length);

    // what happens after the snapshot
    const bob = await addPerson(p, 'Bob');
    const msgAfter = assertResult(await callJson(p.adminHook, 'im.message.add', { DIALOG_ID: ann.id, MESSAGE: 'two' }));
    assertResult(await callJson(p.adminHook, 'im.v2.File.upload', { dialogId: ann.id, fields: { name: 'b.txt', content: Buffer.from('second').toString('base64') } }));
    assert.equal(files(p.dataDir).length, 2);

    const restored = await ctl('POST', 'snapshots/base/restore');
    assert.equal(restored.status, 200, restored.text);
    assert.deepEqual(restored.body.snapshot, saved.body.snapshot);
    assert.deepEqual(await texts(p.adminHook, ann.id), before.texts);
    assert.deepEqual(files(p.dataDir), before.files);
    const gone = await callJson(bob.hook, 'user.current');
    assert.equal(gone.status, 401);
    assert.equal(gone.body.error, 'INVALID_CREDENTIALS');
    // the sequences continue where the snapshot left them: the same ids again
    assert.equal(assertResult(await callJson(p.adminHook, 'im.message.add', { DIALOG_ID: ann.id, MESSAGE: 'two again' })), msgAfter);
  });

  it('lists and deletes snapshots; saving under a taken name replaces it', async () => {
    assert.equal((await ctl('POST', 'snapshots', { name: 'second' })).status, 200);
    assert.equal((await ctl('POST', 'snapshots', { name: 'second' })).status, 200);
    const list = (await ctl('GET', 'snapshots')).body.snapshots as { name: string }[];
    assert.deepEqual(list.map((s) => s.name), ['base', 'second']);
    const del = await ctl('DELETE', 'snapshots/second');
    assert.deepEqual(del.body.snapshots.map((s: { name: string }) => s.name), ['base']);
  });

  it('answers bad names, unknown snapshots and a missing token with JSON errors, changing nothing', async () => {
    for (const name of ['', '../x', '.hidden', 'a'.repeat(65), 42]) {
      const a = await ctl('POST', 'snapshots', { name });
      assert.equal(a.status, 400, String(name));
      assert.equal(a.body.error, 'INVALID_SNAPSHOT_NAME');
    }
    const notJson = await request(`${p.http}/__control/snapshots`, { method: 'POST', headers: { 'x-imbot-control-token': p.server.controlToken, 'content-type': 'application/json' }, body: '{' });
    assert.equal(notJson.body.error, 'INVALID_SNAPSHOT_NAME');
    const texts0 = await texts(p.adminHook, ann.id);
    for (const [method, path] of [['POST', 'snapshots/nope/restore'], ['DELETE', 'snapshots/nope']]) {
      const a = await ctl(method!, path!);
      assert.deepEqual([a.status, a.body.error, a.body.error_description], [404, 'SNAPSHOT_NOT_FOUND', 'No snapshot named nope']);
    }
    assert.deepEqual(await texts(p.adminHook, ann.id), texts0);
    const denied = await request(`${p.http}/__control/reset`, { method: 'POST' });
    assert.equal(denied.status, 401);
    assert.deepEqual(await texts(p.adminHook, ann.id), texts0);
  });

  it('a restore waits for the calls in flight: every call is answered, none half-applied', async () => {
    const calls = Array.from({ length: 30 }, (_, i) => callJson(p.adminHook, 'batch', { cmd: { a: `im.message.add?DIALOG_ID=${ann.id}&MESSAGE=c${i}a`, b: `im.message.add?DIALOG_ID=${ann.id}&MESSAGE=c${i}b` } }));
    const restore = ctl('POST', 'snapshots/base/restore');
    const answers = await Promise.all(calls);
    assert.equal((await restore).status, 200);
    for (const a of answers) assert.equal(a.status, 200, a.text);
    // both commands of a batch survive together or not at all
    const now = await texts(p.adminHook, ann.id);
    for (let i = 0; i < 30; i++) assert.equal(now.includes(`c${i}a`), now.includes(`c${i}b`), `batch ${i}`);
  });

  it('reset goes back to the first start: user 1 and the same admin webhook, no files', async () => {
    const r = await ctl('POST', 'reset');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.admin_webhook, p.server.adminWebhookUrl);
    assert.deepEqual(files(p.dataDir), []);
    const users = assertResult(await callJson(p.adminHook, 'user.get', {}));
    assert.deepEqual(users.map((u: { ID: string }) => u.ID), ['1']);
    assert.equal((await callJson(ann.hook, 'user.current')).status, 401);
    // the next person gets the id Ann got on the first start
    const again = await addPerson(p, 'Ann again');
    assert.equal(again.id, ann.id);
    // snapshots survive a reset
    assert.equal((await ctl('GET', 'snapshots')).body.snapshots.length, 1);
  });
});

describe('snapshots and the default file store', () => {
  // the engine's own default: the database store on PostgreSQL (bytes in file_chunks), the data
  // dir on SQLite — a restore brings the bytes back from either
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  const download = async (dialogId: number, fileId: number): Promise<{ status: number; bytes: Buffer }> => {
    const link = await callJson(p.adminHook, 'im.v2.File.download', { dialogId, fileId });
    if (link.status !== 200) return { status: link.status, bytes: Buffer.alloc(0) };
    const url = new URL(link.body.result.downloadUrl);
    const got = await fetch(`${p.http}${url.pathname}${url.search}`);
    return { status: got.status, bytes: Buffer.from(await got.arrayBuffer()) };
  };

  it('a file uploaded before the snapshot downloads with the same bytes after reset and restore', async () => {
    const ann = await addPerson(p, 'Ann');
    // more than two 256 KiB chunks of the database store
    const bytes = Buffer.from(Array.from({ length: 600_000 }, (_, i) => (i * 7) % 251));
    const up = assertResult(await callJson(p.adminHook, 'im.v2.File.upload', { dialogId: ann.id, fields: { name: 'big.bin', content: bytes.toString('base64') } }));
    const fileId = up.file.id as number;
    assert.ok((await download(ann.id, fileId)).bytes.equals(bytes));
    const ctl = (path: string, body?: unknown) =>
      request(`${p.http}/__control/${path}`, {
        method: 'POST',
        headers: { 'x-imbot-control-token': p.server.controlToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const saved = await ctl('snapshots', { name: 'with-file' });
    assert.equal(saved.status, 200, saved.text);

    const reset = await ctl('reset');
    assert.equal(reset.status, 200, reset.text);
    // Ann (and her chat, and the file) are gone
    assert.equal((await callJson(p.adminHook, 'im.v2.File.download', { dialogId: ann.id, fileId })).status, 400);

    const restored = await ctl('snapshots/with-file/restore');
    assert.equal(restored.status, 200, restored.text);
    const got = await download(ann.id, fileId);
    assert.equal(got.status, 200);
    assert.equal(got.bytes.length, bytes.length);
    assert.ok(got.bytes.equals(bytes), 'the restored file has the bytes uploaded');
  });
});

describe('snapshots and event delivery', () => {
  let p: TestPortal;
  let rx: Receiver;
  before(async () => {
    p = await startPortal({ delivery: { firstDelayMs: 60_000 } });
    rx = await startReceiver();
  });
  after(async () => {
    await p.stop();
    await rx.close();
  });

  it('deliveries pending at the snapshot come back cancelled; pending ones at the restore are never sent', async () => {
    const ann = await addPerson(p, 'Ann');
    const bot = assertResult(await callJson(p.adminHook, 'imbot.register', { CODE: 'echo', CLIENT_ID: 'c1', EVENT_MESSAGE_ADD: `${rx.base}/h`, EVENT_WELCOME_MESSAGE: `${rx.base}/h`, EVENT_BOT_DELETE: `${rx.base}/h`, PROPERTIES: { NAME: 'Echo' } }));
    rx.script.push(500, 500);
    assertResult(await callJson(ann.hook, 'im.message.add', { DIALOG_ID: bot, MESSAGE: 'first' }));
    await rx.waitFor(1);
    const ctl = (path: string, body?: unknown) => control(p.http, p.server.controlToken, path, body);
    await until(async () => (await ctl('events')).body.events.some((e: { status: string; attempts: number }) => e.status === 'pending' && e.attempts === 1), 'first attempt recorded');
    assert.equal((await ctl('snapshots', { name: 's' })).status, 200);
    assertResult(await callJson(ann.hook, 'im.message.add', { DIALOG_ID: bot, MESSAGE: 'second' })); // queued behind the failing one
    assert.equal((await ctl('snapshots/s/restore', {})).status, 200);
    const log = (await ctl('events')).body.events as { status: string; last_error: string }[];
    assert.ok(log.length >= 1);
    for (const e of log) assert.deepEqual([e.status, e.last_error], ['cancelled', 'cancelled: the portal was restored from a snapshot']);
    const sent = rx.hits.length;
    p.server.clock.advance(120_000);
    await new Promise((r) => setTimeout(r, 600)); // two poll periods: nothing may go out
    assert.equal(rx.hits.length, sent);
    // delivery still works for what happens after the restore
    assertResult(await callJson(ann.hook, 'im.message.add', { DIALOG_ID: bot, MESSAGE: 'third' }));
    await rx.waitFor(1, (h) => JSON.stringify(h.form.data).includes('"MESSAGE":"third"'));
    assert.ok(!rx.hits.some((h) => JSON.stringify(h.form.data).includes('"MESSAGE":"second"')));
  });
});

describe('imbot-server reset and snapshot', () => {
  it('save, list, restore, delete and reset through the CLI', async () => {
    const p = await startPortal();
    try {
      const common = ['--url', p.http, '--token', p.server.controlToken];
      const ann = await addPerson(p, 'Ann');
      const saved = await runCli('snapshot', 'save', 'cli1', ...common);
      assert.equal(saved.code, 0, saved.stderr);
      assert.match(saved.stdout, /^saved cli1\t\S+\t\d+ rows\t0 bytes of files\n$/);
      assert.match((await runCli('snapshot', 'list', ...common)).stdout, /^cli1\t/);
      const reset = await runCli('reset', ...common);
      assert.equal(reset.code, 0, reset.stderr);
      assert.equal(reset.stdout, `reset; admin webhook: ${p.server.adminWebhookUrl}\n`);
      assert.equal((await callJson(ann.hook, 'user.current')).status, 401);
      const restored = await runCli('snapshot', 'restore', 'cli1', ...common);
      assert.equal(restored.code, 0, restored.stderr);
      assert.match(restored.stdout, /^restored cli1\t/);
      assert.equal((await callJson(ann.hook, 'user.current')).status, 200);
      const missing = await runCli('snapshot', 'restore', 'nope', ...common);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'error: SNAPSHOT_NOT_FOUND: No snapshot named nope\n');
      assert.equal((await runCli('snapshot', 'delete', 'cli1', ...common)).stdout, 'deleted cli1\n');
      assert.equal((await runCli('snapshot', 'list', ...common)).stdout, '');
    } finally {
      await p.stop();
    }
  });
});
