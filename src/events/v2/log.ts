import { isoDate } from '../../clock.js';
import { phpEscapeJson } from '../../util/php-json.js';
import { cachedRead, type DomainCtx } from '../../context.js';
import {
  acknowledgeV2Events,
  addV2Subscriber,
  appendV2Events,
  deleteV2EventsBefore,
  findDeletedV2Bot,
  forgetDeletedV2Bot,
  isV2Subscriber,
  listV2SubscribedPeople,
  readV2Events,
  rememberDeletedV2Bot,
  removeV2Subscriber,
  type NewV2Event,
  type V2EventRow,
} from '../../store/repos/v2-event-log.js';
import type { Data } from './payload.js';

/*
 * The fetch-mode event log (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.md, `EventLogger` / `EventService`): one table for every
 * queue, a bot's (owner_id = the bot's user id) and a subscribed user's alike, so ids are one
 * global sequence and one `offset` acknowledges a bot's and a user's queue together (the portal's behaviour).
 * Rows are written inside the transaction of the change that caused them.
 */

/** api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.md: 24 hours from creation, acknowledged or not, on the portal clock. */
export const RETENTION_MS = 24 * 3600_000;
/** How many expired rows one sweep removes (the portal's cleaner works in batches of 1000). */
const SWEEP_BATCH = 1000;

export async function recordEvent(ctx: DomainCtx, ownerIds: number[], type: string, data: Data | ((ownerId: number) => Promise<Data>)): Promise<void> {
  if (ownerIds.length === 0) return;
  const events: NewV2Event[] = [];
  // Stored as the wire encodes it (phpJson: JSON that parses to the same value) with the size of
  // its plain JSON, so Event.get copies each snapshot into its answer as it is, without parsing,
  // checking or encoding it again (migration 067).
  for (const ownerId of ownerIds) {
    const plain = JSON.stringify(typeof data === 'function' ? await data(ownerId) : data);
    events.push({ ownerId, type, data: phpEscapeJson(plain), plainBytes: Buffer.byteLength(plain) });
  }
  // ids in commit order: see appendV2Events (an offset can never skip an event committed late)
  await appendV2Events(ctx.db, events, ctx.clock.now());
}

/**
 * Retention, applied lazily rather than by a timer: every read and every write first drops (up
 * to a batch of) rows older than 24 hours on the portal clock. Reads of a queue therefore never
 * show an expired event, whatever `/__control/clock` did, and the table cannot grow without
 * bound as long as anything happens on the portal.
 */
export async function sweepExpired(ctx: DomainCtx): Promise<void> {
  const cutoff = ctx.clock.now() - RETENTION_MS;
  await deleteV2EventsBefore(ctx.db, cutoff, SWEEP_BATCH);
}

export interface EventPage {
  events: { eventId: number; type: string; date: string; data: unknown }[];
  nextOffset: number;
  hasMore: boolean;
}

/**
 * A page of `Event.get` with its wire JSON (`json()`, the text `phpJson(page)` gives) and the bytes
 * of its plain JSON (`plainBytes()`, those of `JSON.stringify(page)`), for the method to answer as
 * encoded (rest/encoded.ts). Neither reads an event's `data`: each is parsed from its snapshot only
 * when something reads the plain value (batch, the XML transport, a small page in the request log).
 */
export interface EncodedPage {
  page: EventPage;
  json: () => string;
  plainBytes: () => number;
}

/**
 * The page from its rows. A snapshot stored with its plain size (migration 067) is already the
 * wire's text and is copied as it is; an older one is plain JSON, escaped here.
 */
function encodedPage(rows: V2EventRow[], offset: number, limit: number): EncodedPage {
  let nextOffset = Math.max(0, offset);
  const events: EventPage['events'] = [];
  /** per event, its JSON up to `"data":` (type and date are ASCII, so plain and wire agree) */
  const heads: string[] = [];
  // events of one second share their date (seconds precision), so a page formats few
  const dates = new Map<number, string>();
  for (const r of rows) {
    nextOffset = Math.max(nextOffset, r.id + 1);
    const second = Math.floor(r.created_at / 1000);
    let date = dates.get(second);
    if (date === undefined) dates.set(second, (date = isoDate(r.created_at)));
    const raw = r.event_data;
    let parsed: { value: unknown } | null = null;
    events.push({
      eventId: r.id,
      type: r.event_type,
      date,
      get data(): unknown {
        return (parsed ??= { value: JSON.parse(raw) as unknown }).value;
      },
    });
    heads.push(`{"eventId":${r.id},"type":${JSON.stringify(r.event_type)},"date":${JSON.stringify(date)},"data":`);
  }
  const page: EventPage = { events, nextOffset, hasMore: rows.length >= limit };
  const tail = `],"nextOffset":${nextOffset},"hasMore":${page.hasMore}}`;
  const json = (): string => {
    let out = '{"events":[';
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out += `${i > 0 ? ',' : ''}${phpEscapeJson(heads[i]!)}${r.data_bytes === null ? phpEscapeJson(r.event_data) : r.event_data}}`;
    }
    return out + tail;
  };
  const plainBytes = (): number => {
    let n = '{"events":['.length + tail.length + Math.max(0, rows.length - 1);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      n += Buffer.byteLength(heads[i]!) + (r.data_bytes ?? Buffer.byteLength(r.event_data)) + 1;
    }
    return n;
  };
  return { page, json, plainBytes };
}

/** `limit`: 1–1000, default 100 (api-reference/chat-bots/chat-bots-v2/index.md). */
export function clampLimit(raw: number | null): number {
  if (raw === null) return 100;
  return Math.min(1000, Math.max(1, raw));
}

/**
 * `Event.get` over the queues of `ownerIds` (api-reference/chat-bots/chat-bots-v2/imbot.v2/events/event-get.md, `EventService::fetchEventsForRest`): an
 * `offset` above 0 first deletes every row of those queues below it (the acknowledgement), then
 * the rows from `offset` on come oldest first. `nextOffset` = max(offset, last id + 1), echoing
 * the offset when nothing came (the portal's behaviour; a negative offset is echoed as 0, since it acknowledges
 * nothing and a cursor below 0 means nothing either); `hasMore` = a full page (the portal's behaviour).
 */
export async function readQueues(ctx: DomainCtx, ownerIds: number[], offset: number, limit: number): Promise<EncodedPage> {
  await sweepExpired(ctx);
  // a backlog larger than one sweep batch is still hidden from the reader
  const cutoff = ctx.clock.now() - RETENTION_MS;
  if (offset > 0) await acknowledgeV2Events(ctx.db, ownerIds, offset);
  const rows = await readV2Events(ctx.db, ownerIds, cutoff, offset, limit);
  return encodedPage(rows, offset, limit);
}

// ---- user subscriptions (im.v2.Event.subscribe) ----

export async function isSubscribed(ctx: DomainCtx, userId: number): Promise<boolean> {
  return isV2Subscriber(ctx.db, userId);
}

/** Idempotent. */
export async function subscribeUser(ctx: DomainCtx, userId: number): Promise<void> {
  await addV2Subscriber(ctx.db, userId, ctx.clock.now());
}

/**
 * Idempotent. Recording stops; what was recorded stays until acknowledged or expired (the
 * documented contract, api-reference/chat-bots/chat-bots-v2/im.v2/events/event-unsubscribe.md — the portal's code deletes it at once).
 */
export async function unsubscribeUser(ctx: DomainCtx, userId: number): Promise<void> {
  await removeV2Subscriber(ctx.db, userId);
}

/** The subscribed people among `userIds` (bots never get user events, `filterSubscribedNonBotUsers`). */
export async function subscribedPeople(ctx: DomainCtx, userIds: number[]): Promise<number[]> {
  if (userIds.length === 0) return [];
  const all = await allSubscribers(ctx);
  return userIds.filter((id) => all.has(id)).sort((a, b) => a - b);
}

/**
 * Every subscribed person, through the read cache: most portals have none, and then a message
 * costs no user-event query at all.
 */
export function allSubscribers(ctx: DomainCtx): Promise<Set<number>> {
  return cachedRead(ctx, 'v2:subscribers', ['v2_event_subscribers', 'users'], async () => new Set(await listV2SubscribedPeople(ctx.db)));
}

// ---- deleted fetch bots (the portal's behaviour) ----

/**
 * the portal's behaviour: a fetch bot's ONIMBOTV2DELETE is its last event, but the bot is gone once it is written.
 * Its old owner may keep reading the queue with `Event.get` for this long after the deletion;
 * after that the bot is simply not found and its rows are dropped.
 */
export const DELETED_BOT_GRACE_MS = 3600_000;

export async function rememberDeletedBot(ctx: DomainCtx, botId: number, appId: string): Promise<void> {
  await rememberDeletedV2Bot(ctx.db, botId, appId, ctx.clock.now());
}

/** The owner key of a fetch bot deleted less than the grace window ago, else null. */
export async function deletedBotOwner(ctx: DomainCtx, botId: number): Promise<string | null> {
  const row = await findDeletedV2Bot(ctx.db, botId);
  if (!row) return null;
  if (ctx.clock.now() - row.deleted_at < DELETED_BOT_GRACE_MS) return row.app_id;
  await forgetDeletedV2Bot(ctx.db, botId);
  return null;
}
