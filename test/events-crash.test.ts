import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { control, serveCli as serve, startReceiver, until, type Receiver } from './helpers/events.js';
import { callJson, removeTestData } from './helpers/server.js';

// Durability (issue 4): `kill -9` the real server process while calls commit events, restart it
// on the same data dir, and every committed event reaches the handler at least once.

describe('events survive kill -9', () => {
  let dataDir: string;
  let receiver: Receiver;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'imbot-crash-'));
    // A slowish handler, so a backlog is waiting in the outbox when the server dies.
    receiver = await startReceiver({ delayMs: 2 });
  });
  after(async () => {
    await receiver.close();
    await removeTestData(dataDir);
  });

  it('every event committed before the crash is delivered after the restart', async () => {
    const first = await serve(dataDir);
    const handler = `${receiver.base}/crash`;
    let committed = 0;
    let crashed = false;
    /** register → unregister cycles; each successful unregister committed one ONIMBOTDELETE */
    const load = async (worker: number) => {
      for (let i = 0; !crashed; i++) {
        try {
          const reg = await callJson(first.adminHook, 'imbot.register', {
            CODE: `w${worker}_${i}`,
            CLIENT_ID: 'crash',
            EVENT_MESSAGE_ADD: handler,
            EVENT_WELCOME_MESSAGE: handler,
            EVENT_BOT_DELETE: handler,
            PROPERTIES: { NAME: 'Crash' },
          });
          const un = await callJson(first.adminHook, 'imbot.unregister', { BOT_ID: reg.body.result, CLIENT_ID: 'crash' });
          if (un.body?.result === true) committed += 1;
        } catch {
          return; // the server is gone
        }
      }
    };
    const killer = (async () => {
      while (committed < 150) await new Promise((r) => setTimeout(r, 5));
      first.child.kill('SIGKILL');
      crashed = true;
    })();
    await Promise.all([load(1), load(2), load(3), load(4), killer]);
    assert.equal(await first.exited, null, 'killed by a signal');

    const second = await serve(dataDir);
    try {
      const token = readFileSync(join(dataDir, 'control-token'), 'utf8').trim();
      const log = await control(second.http, token, 'events?event=ONIMBOTDELETE&limit=1000000');
      const stored: string[] = log.body.events.map((e: { event_id: string }) => e.event_id);
      assert.ok(stored.length >= committed, `${stored.length} stored events, ${committed} acknowledged unregisters`);
      assert.equal(new Set(stored).size, stored.length, 'event ids are unique');
      const ids = (hits: typeof receiver.hits) => new Set(hits.map((h) => String(h.headers['x-imbot-event-id'])));
      await until(() => ids(receiver.hits).size >= stored.length, 'all stored events received');
      const received = ids(receiver.hits);
      assert.deepEqual(stored.filter((id) => !received.has(id)), [], 'every committed event arrived');
      assert.equal(received.size, stored.length, 'nothing arrived that was not committed');
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  });
});
