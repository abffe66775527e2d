import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../../src/store/open.js';
import { removeTestData, testStoreUrl } from '../helpers/server.js';

/*
 * Two processes opening one fresh store at once (a server and a CLI command on the same data dir
 * or PostgreSQL schema) must migrate it once between them: one waits for the other, and both then
 * see every table. Seen in the suite before the lock covered the schema's creation: a CLI process
 * failing on a half-migrated schema.
 */
describe('migrations', () => {
  it('two stores opened at once on one fresh store both come up, each migration run once', async () => {
    for (let round = 0; round < 3; round++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'imbot-migrate-'));
      const target = { dataDir, url: testStoreUrl(dataDir) };
      try {
        const [a, b] = await Promise.all([openStore(target), openStore(target)]);
        try {
          const runs = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(a.db);
          const names = runs.rows.map((r) => r.name);
          assert.ok(names.length > 0);
          assert.deepEqual(names, [...new Set(names)], 'a migration ran twice');
          // what one wrote the other reads: the same, fully migrated tables
          await a.db.insertInto('disk_upload_tokens').values({ token: `t${round}`, folder_id: 1, user_id: 1, expires_at: 1 }).execute();
          const row = await b.db.selectFrom('disk_upload_tokens').select(['token', 'expires_at']).executeTakeFirst();
          assert.deepEqual(row && { token: row.token, expires_at: Number(row.expires_at) }, { token: `t${round}`, expires_at: 1 });
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      } finally {
        await removeTestData(dataDir);
      }
    }
  });

  it('PostgreSQL: the change-notification trigger is on the cached tables and event_outbox, taken off any other table at start', async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imbot-migrate-'));
    const target = { dataDir, url: testStoreUrl(dataDir) };
    try {
      const triggered = async (db: Awaited<ReturnType<typeof openStore>>['db']) =>
        (
          await sql<{ name: string }>`select c.relname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
            where c.relnamespace = current_schema()::regnamespace and t.tgname = 'imbot_notify_change' order by 1`.execute(db)
        ).rows.map((r) => r.name);
      const first = await openStore(target);
      try {
        if (first.dialect !== 'postgres') return t.skip('PostgreSQL only');
        assert.deepEqual(await triggered(first.db), ['bots', 'event_bindings', 'event_outbox', 'portal', 'private_dialogs', 'users', 'v2_event_subscribers', 'webhooks']);
        // a schema from before migration 069 had it on every table
        await sql`create trigger imbot_notify_change after insert or update or delete or truncate on messages
          for each statement execute function imbot_notify_change()`.execute(first.db);
      } finally {
        await first.close();
      }
      const again = await openStore(target);
      try {
        assert.equal((await triggered(again.db)).includes('messages'), false);
      } finally {
        await again.close();
      }
    } finally {
      await removeTestData(dataDir);
    }
  });
});
