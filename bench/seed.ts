/**
 * Fills a portal's store directly (not through the API) so that the unregister cycle can be
 * measured against a realistically populated database: people, other bots, their private chats,
 * group chats, and messages spread over all of them.
 */
import { sql, type Kysely } from 'kysely';
import type { Schema } from '../src/store/schema.js';

type Db = Kysely<Schema>;

export interface SeededChat {
  id: number;
  members: number[];
}

/** Rows per INSERT: well under SQLite's bound-variable limit. */
const CHUNK = 1000;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

async function insertUsers(db: Db, n: number, kind: 'person' | 'bot', now: number): Promise<number[]> {
  const ids: number[] = [];
  for (const part of chunks(Array.from({ length: n }, (_, i) => i))) {
    const rows = await db
      .insertInto('users')
      .values(
        part.map((i) => ({
          login: `seed_${kind}_${i}`,
          name: `Seed ${kind} ${i}`,
          external_auth_id: kind === 'bot' ? 'bot' : '',
          user_type: kind === 'bot' ? 'bot' : 'employee',
          departments: kind === 'bot' ? '[]' : '[1]',
          date_register: now,
        })),
      )
      .returning('id')
      .execute();
    ids.push(...rows.map((r) => r.id));
  }
  return ids;
}

async function insertChat(db: Db, type: 'P' | 'C', members: number[], now: number): Promise<SeededChat> {
  const chat = await db
    .insertInto('chats')
    .values({ type, title: type === 'C' ? 'Seed group' : '', author_id: members[0], owner_id: type === 'C' ? members[0] : 0, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('chat_members').values(members.map((u) => ({ chat_id: chat.id, user_id: u, joined_at: now }))).execute();
  if (type === 'P') {
    const [lo, hi] = members[0] < members[1] ? members : [members[1], members[0]];
    await db.insertInto('private_dialogs').values({ user_lo: lo, user_hi: hi, chat_id: chat.id }).execute();
  }
  return { id: chat.id, members };
}

/**
 * `people` users and `bots` other bots (owned by app "customseed"); each bot gets a private chat
 * with 4 people and there is one group chat per 5 bots (that bot group plus 10 people).
 */
export async function seedPortal(db: Db, opts: { people: number; bots: number }): Promise<SeededChat[]> {
  return db.transaction().execute(async (trx) => {
    const now = Date.now();
    const people = await insertUsers(trx, opts.people, 'person', now);
    const bots = await insertUsers(trx, opts.bots, 'bot', now);
    for (const part of chunks(bots)) {
      await trx
        .insertInto('bots')
        .values(part.map((id, i) => ({ bot_id: id, code: `seed_bot_${id}`, app_id: 'customseed', created_at: now + i })))
        .execute();
    }
    const chats: SeededChat[] = [];
    for (const [b, bot] of bots.entries()) {
      for (let k = 0; k < 4; k++) chats.push(await insertChat(trx, 'P', [bot, people[(b * 4 + k) % people.length]], now));
    }
    for (let g = 0; g * 5 < bots.length; g++) {
      const members = [...bots.slice(g * 5, g * 5 + 5), ...Array.from({ length: 10 }, (_, k) => people[(g * 10 + k) % people.length])];
      chats.push(await insertChat(trx, 'C', members, now));
    }
    return chats;
  });
}

/** Brings every chat's message_count and last_message_id in line with its messages. */
async function recount(db: Db): Promise<void> {
  await sql`update chats set
    message_count = (select count(*) from messages m where m.chat_id = chats.id),
    last_message_id = coalesce((select max(m.id) from messages m where m.chat_id = chats.id), 0)`.execute(db);
}

export async function messageCount(db: Db): Promise<number> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Adds messages round-robin over `chats` (authors rotate over each chat's members) until there are `total`. */
export async function seedMessagesUpTo(db: Db, chats: SeededChat[], total: number): Promise<number> {
  const missing = total - (await messageCount(db));
  if (missing <= 0) return messageCount(db);
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    for (const part of chunks(Array.from({ length: missing }, (_, i) => i))) {
      await trx
        .insertInto('messages')
        .values(
          part.map((i) => {
            const chat = chats[i % chats.length];
            return { chat_id: chat.id, author_id: chat.members[i % chat.members.length], text: `seeded message ${i}`, created_at: now + i };
          }),
        )
        .execute();
    }
    await recount(trx);
  });
  return messageCount(db);
}

export async function maxMessageId(db: Db): Promise<number> {
  const row = await db.selectFrom('messages').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
  return Number(row?.m ?? 0);
}

/** Deletes every message newer than `lastId` (back to an earlier seeded state). */
export async function trimMessagesAfter(db: Db, lastId: number): Promise<number> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('messages').where('id', '>', lastId).execute();
    await recount(trx);
  });
  return messageCount(db);
}

// ---- Chatbots 2.0 (through the REST API, so the event log holds what a real portal would write) ----

export interface V2Bot {
  botId: number;
  botToken: string;
}

async function postJson(url: string, params: Record<string, unknown>): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  const body = (await res.json()) as any;
  if (res.status !== 200 || body?.result === undefined) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body.result;
}

/** A fetch-mode v2 bot registered with `imbot.v2.Bot.register` on the admin webhook. */
export async function registerV2FetchBot(hook: string, code: string): Promise<V2Bot> {
  const botToken = `bench_${code}`;
  const result = await postJson(`${hook}/imbot.v2.Bot.register`, { botToken, fields: { code, eventMode: 'fetch', properties: { name: `Bench ${code}` } } });
  return { botId: result.bot.id, botToken };
}

/**
 * Fills `bot`'s fetch queue with exactly `n` ONIMBOTV2MESSAGEADD events: the person (base URL
 * `personHook`, their own webhook) opens the dialog with one message, that first page (the
 * ONIMBOTV2JOINCHAT and the message) is acknowledged, then the person writes `n` messages with
 * `im.message.add`, one call each, as people do. Throws unless the queue then holds exactly those
 * `n` events; returns `n`.
 */
export async function fillV2Queue(db: Db, hook: string, personHook: string, bot: V2Bot, n: number): Promise<number> {
  const say = (text: string) => postJson(`${personHook}/im.message.add`, { DIALOG_ID: String(bot.botId), MESSAGE: text });
  const eventGet = (offset: number) => postJson(`${hook}/imbot.v2.Event.get`, { botId: bot.botId, botToken: bot.botToken, offset, limit: 1000 });
  await say('Hello, bot');
  await eventGet((await eventGet(0)).nextOffset);
  for (let i = 0; i < n; i++) await say(`Question ${i + 1}: when does the [B]release[/B] ship?`);
  const rows = await db
    .selectFrom('v2_event_log')
    .select(['event_type', (eb) => eb.fn.countAll<number>().as('n')])
    .where('owner_id', '=', bot.botId)
    .groupBy('event_type')
    .execute();
  const counts = Object.fromEntries(rows.map((r) => [r.event_type, Number(r.n)]));
  if (rows.length !== 1 || counts.ONIMBOTV2MESSAGEADD !== n) throw new Error(`the bot's queue is not ${n} ONIMBOTV2MESSAGEADD events: ${JSON.stringify(counts)}`);
  return n;
}
