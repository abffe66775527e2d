/**
 * `npm run bench:store-writes`: the store's share of `imbot.message.add` alone, without HTTP, the
 * REST pipeline or the domain: units of work that each run the three statements a posted message
 * writes (the message insert, the chat's last message, the author's read mark, all compiled once:
 * src/store/prepared.ts), started `--group N` at a time (default 32, as the 32 connections of
 * `npm run bench:p99` do; group commit then runs them as one transaction with a savepoint each)
 * or one at a time (`--group 1`: a plain transaction each). Prints the process's CPU time per
 * unit for each of 5 rounds of `--rounds-of N` groups (default 100) and the lowest. A fresh
 * SQLite store in a temporary directory, removed afterwards (SQLite only: the direct path of
 * prepared.ts is SQLite's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/open.js';
import type { Db } from '../src/store/db.js';
import { insertMessage } from '../src/store/repos/messages.js';
import { chatMessageAdded } from '../src/store/repos/chats.js';
import { setReadMark } from '../src/store/repos/read-state.js';

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const group = arg('--group', 32);
const groups = arg('--rounds-of', 100);

const dir = mkdtempSync(join(tmpdir(), 'imbot-store-writes-'));
const store = await openStore({ dataDir: dir });
try {
  const chatId = (await store.db.insertInto('chats').values({ type: 'P', title: '', author_id: 1, created_at: 0 }).returning('id').executeTakeFirstOrThrow()).id;
  await store.db.insertInto('chat_members').values({ chat_id: chatId, user_id: 1, role: 'member', last_read_message_id: 0 }).execute();

  const post = async (db: Db): Promise<void> => {
    const id = await insertMessage(db, {
      chat_id: chatId,
      author_id: 1,
      text: 'hello there',
      system: 'N',
      params: '{}',
      uuid: null,
      reply_id: null,
      forward_id: null,
      forward_user_id: null,
      forward_chat_id: null,
      forward_date: null,
      created_at: Date.now(),
    });
    await chatMessageAdded(db, chatId, id);
    await setReadMark(db, chatId, 1, id);
  };
  const oneGroup = async () => {
    const units: Promise<void>[] = [];
    for (let i = 0; i < group; i++) units.push(store.transaction((trx) => post(trx)));
    await Promise.all(units);
  };

  for (let i = 0; i < 50; i++) await oneGroup(); // warm-up
  const perUnit: number[] = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < groups; i++) await oneGroup();
    const c = process.cpuUsage(c0);
    perUnit.push((c.user + c.system) / (groups * group));
  }
  console.log(`SQLite, ${group} units at a time: CPU µs per unit, lowest ${Math.min(...perUnit).toFixed(1)} (rounds ${perUnit.map((x) => x.toFixed(1)).join(', ')})`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
