import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import type { Store } from '../../src/store/db.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { WalCheckpointer } from '../../src/store/wal-checkpointer.js';

/*
 * SQLite only: WAL checkpoints run in a thread of their own (store/wal-checkpointer.ts), not in
 * the COMMIT of the main connection. While the thread runs the main connection never checkpoints
 * (wal_autocheckpoint 0), yet committed pages reach the database file and the WAL does not keep
 * growing; closing the store stops the thread and leaves no WAL behind; nothing committed is lost.
 */
const ROW = 'x'.repeat(4000);
const onSqlite = !process.env.IMBOT_TEST_STORE;

/** A store in a temporary data dir of its own, for the describe this is called in. */
function tempStore(): { dir: string; store: Store } {
  const t = {} as { dir: string; store: Store };
  before(async () => {
    t.dir = mkdtempSync(join(tmpdir(), 'imbot-wal-'));
    t.store = await openSqliteStore(t.dir);
  });
  after(async () => {
    await t.store.close().catch(() => {});
    rmSync(t.dir, { recursive: true, force: true });
  });
  return t;
}

/** The main connection's wal_autocheckpoint: 0 while the thread checkpoints, 1000 when the COMMITs do. */
const autocheckpointOf = async (store: Store) => (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db)).rows[0]!.wal_autocheckpoint;

describe('SQLite: WAL checkpoints off the main thread', { skip: !onSqlite && 'SQLite only' }, () => {
  const t = tempStore();
  const autocheckpoint = () => autocheckpointOf(t.store);

  it('the first unit of work starts the thread, which takes the checkpoints over', async () => {
    assert.equal(await autocheckpoint(), 1000, 'before any unit of work the main connection checkpoints');
    await t.store.transaction(async (trx) => {
      await sql`create table wal_probe (id integer primary key, body text not null)`.execute(trx);
    });
    for (let i = 0; (await autocheckpoint()) !== 0; i++) {
      assert.ok(i < 200, 'the thread said it was ready');
      await sleep(25);
    }
  });

  it('committed pages reach the file while the WAL stays small; close leaves no WAL and loses nothing', async () => {
    const wal = join(t.dir, 'imbot.db-wal');
    const rounds = 60;
    const perRound = 50;
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < perRound; i++) {
        await t.store.transaction(async (trx) => {
          await sql`insert into wal_probe (body) values (${ROW})`.execute(trx);
        });
      }
      await sleep(60); // a few of the thread's passes happen while the writes go on
    }
    const written = rounds * perRound * ROW.length;
    // the main connection never checkpointed (autocheckpoint 0), so the file grew by the thread's passes
    for (let i = 0; statSync(join(t.dir, 'imbot.db')).size < written; i++) {
      assert.ok(i < 200, `the database file holds the rows (${statSync(join(t.dir, 'imbot.db')).size} of ${written} bytes)`);
      await sleep(25);
    }
    // the file's size is the WAL's high-water mark: the most written between two passes
    assert.ok(statSync(wal).size < written / 2, `the WAL started again from its beginning (${statSync(wal).size} bytes for ${written} written)`);
    for (let i = 0; (await autocheckpoint()) !== 0; i++) {
      assert.ok(i < 200, 'the thread kept up (or caught up again)');
      await sleep(25);
    }
    await t.store.close();
    assert.equal(existsSync(wal), false, 'the last connection checkpointed and removed the WAL');
    const check = new Database(join(t.dir, 'imbot.db'), { readonly: true });
    try {
      assert.equal((check.prepare('select count(*) as n from wal_probe').get() as { n: number }).n, rounds * perRound);
    } finally {
      check.close();
    }
  });
});

describe('SQLite: when the checkpoint thread cannot keep up, or dies', { skip: !onSqlite && 'SQLite only' }, () => {
  const t = tempStore();
  const autocheckpoint = () => autocheckpointOf(t.store);
  const becomes = async (pages: number, what: string) => {
    for (let i = 0; (await autocheckpoint()) !== pages; i++) {
      assert.ok(i < 400, what);
      await sleep(25);
    }
  };
  const write = (rows: number) =>
    t.store.transaction(async (trx) => {
      for (let i = 0; i < rows; i++) await sql`insert into wal_bound (body) values (${ROW})`.execute(trx);
    });

  it('a WAL that cannot start again (a reader holds it) past 4,000 frames gives the checkpoints back to the COMMITs, and takes them again once it is small', async () => {
    await t.store.transaction(async (trx) => {
      await sql`create table wal_bound (id integer primary key, body text not null)`.execute(trx);
    });
    await becomes(0, 'the thread took the checkpoints over');
    // a reader in an open transaction pins the WAL: no checkpoint can let it start again
    const reader = new Database(join(t.dir, 'imbot.db'), { readonly: true });
    try {
      reader.prepare('begin').run();
      reader.prepare('select count(*) as n from wal_bound').get();
      for (let r = 0; r < 50; r++) await write(100); // ~5,000 pages of 4 KiB
      await becomes(1000, 'the thread said it is behind: the main connection checkpoints in its COMMITs');
      reader.prepare('commit').run();
    } finally {
      reader.close();
    }
    // the reader gone, checkpoints complete, the WAL starts again from its beginning with the next writes
    for (let i = 0; (await autocheckpoint()) !== 0; i++) {
      assert.ok(i < 400, 'the thread caught up and took the checkpoints back');
      await write(1);
      await sleep(25);
    }
  });

  it('a thread that dies gives the checkpoints back to the main connection', async () => {
    const file = join(t.dir, 'alone.db');
    const main = new Database(file);
    try {
      main.pragma('journal_mode = WAL');
      main.exec('create table t (id integer primary key, body text not null)');
      const pages = () => main.pragma('wal_autocheckpoint', { simple: true }) as number;
      const checkpointer = new WalCheckpointer(main, file);
      checkpointer.start();
      for (let i = 0; pages() !== 0; i++) {
        assert.ok(i < 400, 'the thread said it was ready');
        await sleep(25);
      }
      const thread = (checkpointer as unknown as { worker: { terminate(): Promise<number> } | null }).worker;
      assert.ok(thread, 'the checkpointer holds its thread');
      await thread.terminate();
      for (let i = 0; pages() !== 1000; i++) {
        assert.ok(i < 400, 'the main connection checkpoints again');
        await sleep(25);
      }
      main.prepare('insert into t (body) values (?)').run(ROW);
      await checkpointer.close();
      assert.equal(pages(), 1000);
    } finally {
      main.close();
    }
  });
});
