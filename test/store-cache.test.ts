import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../src/store/db.js';
import { openStore } from '../src/store/open.js';
import { removeTestData, testStoreUrl } from './helpers/server.js';

/*
 * The read cache under more than one connection (src/store/read-cache.ts), on the suite's engine:
 * a value read on another connection while a unit of work was open never outlives its commit,
 * nothing read inside a rolled-back unit survives, and another process's commit reaches the
 * cache (SQLite: data_version; PostgreSQL: the change notification, sent by the cached tables and
 * the outbox only).
 */

const KEY = 'cache_probe';

describe('store: read cache and units of work', () => {
  let dataDir: string;
  let store: Store;
  let other: Store;
  const read = () =>
    store.cache.get('probe', ['portal'], async () => (await store.db.selectFrom('portal').select('value').where('key', '=', KEY).executeTakeFirst())?.value ?? null);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'imbot-store-'));
    store = await openStore({ dataDir, url: testStoreUrl(dataDir) });
    other = await openStore({ dataDir, url: testStoreUrl(dataDir) }); // another process's view
    await store.db.insertInto('portal').values({ key: KEY, value: 'v0' }).execute();
  });
  after(async () => {
    await other.close();
    await store.close();
    await removeTestData(dataDir);
  });

  it('a value read while a unit was open is not served after its commit', async () => {
    assert.equal(await read(), 'v0');
    let outside: Promise<string | null> | undefined;
    await store.transaction(async (trx) => {
      await trx.updateTable('portal').set({ value: 'v1' }).where('key', '=', KEY).execute();
      // On a pool this read runs on another connection and sees 'v0'; on SQLite's one connection
      // it waits for the transaction.
      outside = read();
      await Promise.race([outside, delay(100)]);
    });
    await outside;
    assert.equal(await read(), 'v1');
  });

  it('nothing read inside a unit that rolled back survives it', async () => {
    await assert.rejects(
      store.transaction(async (trx) => {
        await trx.updateTable('portal').set({ value: 'doomed' }).where('key', '=', KEY).execute();
        assert.equal(await store.cache.get('probe-in', ['portal'], async () => (await trx.selectFrom('portal').select('value').where('key', '=', KEY).executeTakeFirst())?.value), 'doomed');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await store.cache.get('probe-in', ['portal'], async () => (await store.db.selectFrom('portal').select('value').where('key', '=', KEY).executeTakeFirst())?.value), 'v1');
  });

  it("another process's commit reaches the cache", async () => {
    assert.equal(await read(), 'v1');
    await other.transaction((trx) => trx.updateTable('portal').set({ value: 'v2' }).where('key', '=', KEY).execute());
    // SQLite sees it from the next turn of the event loop (read-cache.ts); PostgreSQL once the
    // notification has arrived (asynchronously).
    let seen = await read();
    for (let i = 0; seen !== 'v2' && i < 100; i++) {
      await delay(20);
      seen = await read();
    }
    assert.equal(seen, 'v2');
  });

  it("PostgreSQL: a commit another process acknowledged is seen by every lookup that starts after it, lookups of many turns at once included", async (t) => {
    // SQLite looks at data_version once per turn of the event loop: there another process's
    // commit counts from the next turn (read-cache.ts, TableVersions.token)
    if (store.dialect !== 'postgres') return t.skip('PostgreSQL catches up per call; SQLite per turn');
    for (let round = 0; round < 20; round++) {
      await other.db.updateTable('portal').set({ value: `r${round}` }).where('key', '=', KEY).execute();
      // lookups spread over several turns of the event loop, each catching up (on PostgreSQL
      // a round trip on the listening connection) while earlier ones are still on their way
      const seen = await Promise.all(Array.from({ length: 6 }, (_, i) => new Promise((r) => setTimeout(r, i % 3)).then(read)));
      assert.deepEqual(seen, Array(6).fill(`r${round}`), `round ${round}`);
    }
  });

  it('after-commit hooks run after a commit, never after a rollback', async () => {
    const ran: string[] = [];
    await store.transaction(async (_trx, unit) => {
      unit.afterCommit(() => ran.push('committed'));
      assert.deepEqual(ran, [], 'not before the commit');
    });
    await assert.rejects(
      store.transaction(async (_trx, unit) => {
        unit.afterCommit(() => ran.push('rolled back'));
        throw new Error('no');
      }),
    );
    assert.deepEqual(ran, ['committed']);
  });

  it('PostgreSQL: a commit tells other processes of the cached tables it wrote, of the outbox on its own channel, of nothing else', async (t) => {
    if (store.dialect !== 'postgres') return t.skip('SQLite has no change notifications (data_version)');
    const heard: string[] = [];
    const outbox: string[] = [];
    const stop = store.onForeignChange((table) => heard.push(table));
    const stopOutbox = store.onForeignChange((table) => outbox.push(table), { outbox: true });
    try {
      // a message-like commit: app_options is no cached table, so it notifies nobody; portal is
      await other.transaction(async (trx) => {
        await trx.insertInto('app_options').values({ app_id: 901, name: 'probe', value: '"1"' }).execute();
        await trx.updateTable('portal').set({ value: 'v3' }).where('key', '=', KEY).execute();
      });
      // the outbox channel is listened to once the listener above has asked (asynchronously): a
      // row written until one is heard; every notification arrives in commit order, on one connection
      for (let i = 0; outbox.length === 0 && i < 100; i++) {
        await other.db.insertInto('event_outbox').values({ event_name: 'PROBE', binding_id: 0, payload: '{}' }).execute();
        await delay(20);
      }
      assert.deepEqual([...new Set(outbox)], ['event_outbox']);
      assert.deepEqual(heard, ['portal'], 'the cached table, once; neither app_options nor the outbox');
    } finally {
      stop();
      stopOutbox();
      await other.db.deleteFrom('event_outbox').where('event_name', '=', 'PROBE').execute();
      await other.db.deleteFrom('app_options').where('app_id', '=', 901).execute();
    }
  });
});
