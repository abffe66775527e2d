import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src/store/open.js';
import { control, serveCli as serve, startReceiver, until, type Receiver } from './helpers/events.js';
import { callJson, removeTestData, testStoreUrl } from './helpers/server.js';

// Group commit (src/store/group-commit.ts) under `kill -9`: concurrent im.message.add calls share
// transactions, some of them failing inside their savepoint after they wrote their message and
// their bot event (a scripted store failure). The real server process is killed mid-load and
// restarted on the same data: every acknowledged message is there, no failed call's message is,
// and no event of a failed call is ever delivered.

const dbg = (...a: unknown[]) => process.env.DEBUG_CRASH && console.error(...a);

/** The message text a hit (a form-encoded ONIMBOTMESSAGEADD) carries. */
function messageOf(body: string): string | null {
  return new URLSearchParams(body).get('data[PARAMS][MESSAGE]');
}

describe('group commit survives kill -9', () => {
  let dataDir: string;
  let receiver: Receiver;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'imbot-group-crash-'));
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
    await removeTestData(dataDir);
  });

  it('every acknowledged write is there after the restart; nothing of a failed call is, nor its event', async (t) => {
    const first = await serve(dataDir);
    // a failed assertion must not leave the server running (it would hold the test process)
    const timer = setTimeout(() => first.child.kill('SIGKILL'), 240_000);
    t.after(() => {
      clearTimeout(timer);
      first.child.kill('SIGKILL');
    });
    const token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
    const handler = `${receiver.base}/group`;
    const reg = await callJson(first.adminHook, 'imbot.register', {
      CODE: 'group_crash',
      CLIENT_ID: 'crash',
      EVENT_MESSAGE_ADD: handler,
      EVENT_WELCOME_MESSAGE: handler,
      EVENT_BOT_DELETE: handler,
      PROPERTIES: { NAME: 'Crash' },
    });
    const botId = reg.body.result as number;
    assert.equal(typeof botId, 'number', reg.text);
    // the dialog exists before the load, so every call makes the same four writes: the message,
    // the chat's last message, the author's read mark and the bot's event
    const opened = await callJson(first.adminHook, 'im.message.add', { DIALOG_ID: String(botId), MESSAGE: 'opening' });
    assert.equal(opened.status, 200, opened.text);
    // about one call in four fails at its last write, after its message and event were written
    const armed = await control(first.http, token, 'faults', { kind: 'store_failure', method: 'im.message.add', probability: 0.25, after: 3 });
    assert.equal(armed.status, 200, JSON.stringify(armed.body));

    const acked = new Map<string, number>();
    const failed = new Set<string>();
    const unexpected: string[] = [];
    let crashed = false;
    const load = async (worker: number) => {
      for (let i = 0; !crashed; i++) {
        const text = `w${worker}-${i}`;
        let a;
        try {
          a = await callJson(first.adminHook, 'im.message.add', { DIALOG_ID: String(botId), MESSAGE: text });
        } catch {
          crashed = true;
          return; // the server is gone
        }
        if (a.status === 200) acked.set(text, a.body.result);
        else if (a.body?.error === 'CHAT_ID') failed.add(text);
        else unexpected.push(a.text);
      }
    };
    const killer = (async () => {
      while (acked.size < 150 && unexpected.length === 0 && !crashed) {
        await new Promise((r) => setTimeout(r, 5));
      }
      first.child.kill('SIGKILL');
      crashed = true;
    })();
    await Promise.all([...Array.from({ length: 12 }, (_, w) => load(w)), killer]);
    dbg('load ended');
    assert.deepEqual(unexpected, [], 'no other answer than a result or the scripted failure');
    assert.equal(await first.exited, null, 'killed by a signal');
    assert.ok(failed.size > 0, 'some calls failed inside a group');

    dbg('restarting');
    const second = await serve(dataDir);
    dbg('restarted');
    t.after(() => second.child.kill('SIGKILL'));
    try {
      const store = await openStore({ dataDir, url: testStoreUrl(dataDir) });
      let stored: Map<string, number>;
      try {
        const rows = await store.db.selectFrom('messages').select(['id', 'text']).where('chat_id', '=', (qb) => qb.selectFrom('messages').select('chat_id').where('text', '=', 'opening')).execute();
        stored = new Map(rows.map((r) => [r.text, r.id]));
      } finally {
        await store.close();
      }
      dbg('read', stored.size);
      const lost = [...acked].filter(([text, id]) => stored.get(text) !== id);
      assert.deepEqual(lost, [], 'every acknowledged message is stored under its id');
      assert.deepEqual([...failed].filter((text) => stored.has(text)), [], 'no failed call left its message');

      // every stored message's event arrives; none of a failed call's ever does
      const expected = [...stored.keys()].filter((t) => t !== 'opening');
      const received = () => new Set(receiver.hits.map((h) => messageOf(h.raw)).filter((t) => t !== null));
      dbg('hits', receiver.hits.length, 'expected', expected.length, 'failed stored', [...failed].filter((t) => stored.has(t)).length, 'lost', lost.length);
      // (a loaded machine delivers a few hundred events more slowly than `until` waits)
      for (let i = 0; i < 6 && !expected.every((t) => received().has(t)); i++) await until(() => expected.every((t) => received().has(t)), 'the events of all stored messages').catch(() => {});
      assert.deepEqual(expected.filter((t) => !received().has(t)), [], 'the events of all stored messages arrived');
      assert.deepEqual([...failed].filter((t) => received().has(t)), [], 'no event of a failed call was delivered');
      dbg('events checked');
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  });
});
