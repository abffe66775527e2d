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
  readV2EventPage,
  rememberDeletedV2Bot,
  removeV2Subscriber,
  type NewV2Event,
  type V2EventPage,
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
 * A page of `Event.get` with its wire JSON as bytes (`bytes(before, after, alloc)`: `before`, the
 * text `phpJson(page)` gives, then `after`, as UTF-8 in one Buffer of `alloc`'s, so the JSON
 * transport sends it with the envelope around it and nothing encoded twice) and the bytes of its plain JSON
 * (`plainBytes()`, those of `JSON.stringify(page)`), for the method to answer as encoded
 * (rest/encoded.ts). Neither reads an event's `data`: each is parsed from its snapshot only when
 * something reads the plain value (batch, the XML transport, a small page in the request log).
 */
export interface EncodedPage {
  page: EventPage;
  bytes: (before: string, after: string, alloc?: (size: number) => Buffer) => Buffer;
  plainBytes: () => number;
}

/** `{"events":[`: ASCII, so its characters are its bytes */
const EVENTS_OPEN = '{"events":[';
/** `{"eventId":` */
const EVENT_OPEN = '{"eventId":';
const EVENT_OPEN_BYTES = Buffer.from(EVENT_OPEN, 'latin1');

/** Whether `bytes[from..to)` equals `bytes[otherFrom..otherTo)`. */
function sameBytes(bytes: Uint8Array, from: number, to: number, otherFrom: number, otherTo: number): boolean {
  if (to - from !== otherTo - otherFrom) return false;
  for (let i = 0; i < to - from; i++) if (bytes[from + i] !== bytes[otherFrom + i]) return false;
  return true;
}

/** Where the last `intAt` stopped (the space or line break after the number). */
let intEnd = 0;

/** The integer written at `from` in `bytes` (digits, maybe a minus sign); sets `intEnd`. */
function intAt(bytes: Uint8Array, from: number): number {
  let i = from;
  const negative = bytes[i] === 0x2d;
  if (negative) i++;
  let n = 0;
  for (let c = bytes[i]!; c >= 0x30 && c <= 0x39; c = bytes[++i]!) n = n * 10 + (c - 0x30);
  intEnd = i;
  return negative ? -n : n;
}

/** An event's JSON between its id and its `data` (`,"type":…,"date":…,"data":`), wire form as bytes. */
interface EventHead {
  date: string;
  wire: Uint8Array;
  /** bytes of the same text as plain JSON */
  plain: number;
}

/**
 * Heads of recent (type, second) pairs, kept across calls: a queue is read again and again (a
 * poll at offset 0, a page and then the next), and formatting the date and escaping the text
 * each time was a few per cent of a call. The date is the process's local time (`isoDate`), so
 * the heads are dropped if the zone changes (`TZ`, looked at once a second); at most `MAX_HEADS` are kept.
 */
const heads = new Map<string, EventHead>();
const MAX_HEADS = 4096;
let headsZone: string | undefined;
let zoneCheckedAt = -Infinity;

function eventHead(type: string, second: number): EventHead {
  const key = `${second} ${type}`;
  let head = heads.get(key);
  if (head === undefined) {
    const date = isoDate(second * 1000);
    const rest = `,"type":${JSON.stringify(type)},"date":${JSON.stringify(date)},"data":`;
    // ASCII (phpEscapeJson escapes every other character): copied as bytes into the answer
    head = { date, wire: Buffer.from(phpEscapeJson(rest), 'latin1'), plain: Buffer.byteLength(rest) };
    if (heads.size >= MAX_HEADS) heads.clear();
    heads.set(key, head);
  }
  return head;
}

/**
 * The page from the store's one-row read (`readV2EventPage`): the snapshots are bytes in one
 * Buffer and are copied from it into the answer without ever becoming strings. A snapshot stored
 * with its plain size (migration 067) is already the wire's text; an older one is plain JSON,
 * escaped here. Rows come in any order (the store's aggregate does not sort them): ordered by id
 * here. Little is allocated per event (the answer is a few numbers per row and a head text shared
 * by the events of one type and second); the events themselves, with their `data` parsed from
 * the bytes, are made only when something reads the page's value (batch, XML, the request log).
 */
function encodedPage(read: V2EventPage, offset: number, limit: number): EncodedPage {
  const { data } = read;
  // The lines read as bytes: reading characters of the store's string one by one
  // (`charCodeAt`) was most of this loop's time, indexing bytes is not.
  const meta = Buffer.from(read.meta, 'utf8');
  // per row, as the store gave them: id, creation time, type, where its snapshot ends in `data`,
  // and its plain size (-1: an older row, stored plain)
  const ids: number[] = [];
  const created: number[] = [];
  const types: string[] = [];
  const ends: number[] = [];
  const sizes: number[] = [];
  let sorted = true;
  let at = 0;
  let type = '';
  // where the current `type` was read in `meta`: rows of one type share one string
  let typeFrom = 0;
  let typeTo = 0;
  for (let from = 0; from < meta.length; ) {
    const id = intAt(meta, from);
    const createdAt = intAt(meta, intEnd + 1);
    const bytes = intAt(meta, intEnd + 1);
    const size = intAt(meta, intEnd + 1);
    const s4 = intEnd;
    let to = meta.indexOf(0x0a, s4 + 1);
    if (to < 0) to = meta.length;
    if (ids.length > 0 && id <= ids[ids.length - 1]!) sorted = false;
    ids.push(id);
    created.push(createdAt);
    ends.push((at += bytes));
    sizes.push(size);
    if (!sameBytes(meta, s4 + 1, to, typeFrom, typeTo)) {
      type = meta.toString('utf8', s4 + 1, to);
      typeFrom = s4 + 1;
      typeTo = to;
    }
    types.push(type);
    from = to + 1;
  }
  // the lines' sizes say where each snapshot lies in `data`: they must add up to it
  if (at !== data.length) throw new Error(`v2_event_log page: ${data.length} bytes read, ${at} listed`);
  const n = ids.length;
  const order: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!sorted) order.sort((x, y) => ids[x]! - ids[y]!);
  const startOf = (i: number): number => (i === 0 ? 0 : ends[i - 1]!);

  // reading the environment costs as much as a few events: the zone is looked at once a second
  const tick = performance.now();
  if (tick - zoneCheckedAt >= 1000) {
    zoneCheckedAt = tick;
    if (process.env.TZ !== headsZone) {
      heads.clear();
      headsZone = process.env.TZ;
    }
  }
  let nextOffset = Math.max(0, offset);
  /** per event in page order: its date, its JSON after the id up to `"data":` (wire form), an older row's escaped snapshot */
  const dates: string[] = [];
  const rests: Uint8Array[] = [];
  const escaped: (Buffer | null)[] = [];
  let plain = 0;
  let wire = 0;
  // consecutive events mostly share type and second (dates have seconds precision): one text each
  let lastType = '';
  let lastSecond = NaN;
  let lastDate = '';
  let lastRest: Uint8Array = new Uint8Array(0);
  let lastRestPlain = 0;
  for (const i of order) {
    const id = ids[i]!;
    nextOffset = Math.max(nextOffset, id + 1);
    const second = Math.floor(created[i]! / 1000);
    if (second !== lastSecond || types[i] !== lastType) {
      lastSecond = second;
      lastType = types[i]!;
      const head = eventHead(lastType, second);
      lastDate = head.date;
      lastRest = head.wire;
      lastRestPlain = head.plain;
    }
    const length = ends[i]! - startOf(i);
    const older = sizes[i]! < 0 ? Buffer.from(phpEscapeJson(data.toString('utf8', startOf(i), ends[i]!)), 'utf8') : null;
    let idDigits = 1;
    for (let d = id; d >= 10; d = Math.floor(d / 10)) idDigits++;
    // `{"eventId":` id rest snapshot `}`, and a comma before all but the first
    plain += EVENT_OPEN.length + idDigits + lastRestPlain + (older ? length : sizes[i]!) + 1;
    wire += EVENT_OPEN.length + idDigits + lastRest.length + (older ? older.length : length) + 1;
    dates.push(lastDate);
    rests.push(lastRest);
    escaped.push(older);
  }
  const hasMore = n >= limit;
  let events: EventPage['events'] | null = null;
  const page: EventPage = {
    get events(): EventPage['events'] {
      return (events ??= order.map((i, k) => {
        const start = startOf(i);
        const end = ends[i]!;
        let parsed: { value: unknown } | null = null;
        return {
          eventId: ids[i]!,
          type: types[i]!,
          date: dates[k]!,
          get data(): unknown {
            return (parsed ??= { value: JSON.parse(data.toString('utf8', start, end)) as unknown }).value;
          },
        };
      }));
    },
    nextOffset,
    hasMore,
  };
  const tail = `],"nextOffset":${nextOffset},"hasMore":${hasMore}}`;
  const commas = Math.max(0, n - 1);
  const bytes = (before: string, after: string, alloc: (size: number) => Buffer = Buffer.allocUnsafe): Buffer => {
    const out = alloc(Buffer.byteLength(before) + EVENTS_OPEN.length + wire + commas + tail.length + Buffer.byteLength(after));
    let pos = out.write(before, 0, 'utf8');
    pos += out.write(EVENTS_OPEN, pos, 'latin1');
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      if (k > 0) out[pos++] = 0x2c; // ,
      // The head is ASCII and short (about 90 bytes): its parts are copied as bytes (`set`),
      // about a fifth of the cost of Buffer's `write` of each part as text (a micro-benchmark:
      // 11 against 50 µs per 100 heads), and the id's digits stored one by one.
      out.set(EVENT_OPEN_BYTES, pos);
      pos += EVENT_OPEN_BYTES.length;
      let id = ids[i]!;
      let end = pos;
      for (let d = id; d >= 10; d = Math.floor(d / 10)) end++;
      for (let at = end; at >= pos; at--) {
        out[at] = 0x30 + (id % 10);
        id = Math.floor(id / 10);
      }
      pos = end + 1;
      const rest = rests[k]!;
      out.set(rest, pos);
      pos += rest.length;
      const older = escaped[k];
      pos += older ? older.copy(out, pos) : data.copy(out, pos, startOf(i), ends[i]);
      out[pos++] = 0x7d; // }
    }
    pos += out.write(tail, pos, 'latin1');
    pos += out.write(after, pos, 'utf8');
    if (pos !== out.length) throw new Error(`Event.get page: ${pos} of ${out.length} bytes written`);
    return out;
  };
  const plainBytes = (): number => EVENTS_OPEN.length + plain + commas + tail.length;
  return { page, bytes, plainBytes };
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
  // A call that only reads (offset 0: no transaction, see imbotv2/events.ts) leaves the sweep to
  // the next write: every recorded event and every acknowledgement sweeps first, so the table
  // still grows only as far as writes let it, and no read ever shows an expired row (the cutoff
  // below), swept or not. The answer is the same either way.
  if (ctx.db.isTransaction) await sweepExpired(ctx);
  // a backlog larger than one sweep batch is still hidden from the reader
  const cutoff = ctx.clock.now() - RETENTION_MS;
  if (offset > 0) await acknowledgeV2Events(ctx.db, ownerIds, offset);
  return encodedPage(await readV2EventPage(ctx.db, ownerIds, cutoff, offset, limit), offset, limit);
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
