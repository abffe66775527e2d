/**
 * `imbot-server/testing`: a portal inside your test process.
 *
 *   import { startPortal } from 'imbot-server/testing';
 *   const portal = await startPortal({ seed: { people: [{ id: 7, name: 'Ann' }] } });
 *   const bot = await portal.addBot({ code: 'echo', handler: 'http://127.0.0.1:3000/events' });
 *   await portal.sendAs(7, bot.id, 'hello');
 *   const event = await portal.waitForEvent((e) => e.event === 'ONIMBOTMESSAGEADD');
 *   await portal.close();
 *
 * Everything goes through the portal's own HTTP API (REST with the admin webhook or a person's
 * browser session, /__control for the rest), so what a test sees is what a bot would see.
 * Documented in docs/TESTING.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../context.js';
import { deliveryLog } from '../events/outbox.js';
import { fileSizeFromMb, MAX_FILE_SIZE_CAP_MB } from '../files/store.js';
import type { ArmedFault, FaultKind, FaultSpec } from '../harness/faults.js';
import { parseStr } from '../rest/php.js';
import type { RequestEntry } from '../rest/request-log.js';
import { loadSeedFile, validateSeed } from '../harness/seed/load.js';
import type { SeedInput } from '../harness/seed/schema.js';
import type { SnapshotInfo } from '../harness/portal-state.js';
import { startServer, type RunningServer } from '../server/listen.js';
import type { LogLevel } from '../server/logger.js';
import { maxUserId } from '../store/repos/users.js';

export type { SeedInput, RequestEntry, SnapshotInfo, FaultKind, ArmedFault, FaultSpec };


export interface StartPortalOptions {
  /** a seed (the seed file's content as an object) or the path of a YAML/JSON seed file */
  seed?: SeedInput | string;
  /** dev (default) or cloud */
  profile?: Profile;
  /** event delivery: retry (default) or once */
  delivery?: 'retry' | 'once';
  /** retry: how long a failing delivery keeps being retried, in ms of the portal clock (default 24 h) */
  retryFor?: number;
  /** a data dir to use and keep (default: a temporary one, removed by close()) */
  dataDir?: string;
  /** the server's log on stdout (default silent) */
  logLevel?: LogLevel;
  /**
   * The address clients reach the portal by (a tunnel, a proxy), as `serve --public-url`: it fills
   * `domain`, `client_endpoint`, `server_endpoint` and event auth, and `webhookUrl`. The portal
   * still listens on loopback: `call`, `httpUrl` and `httpWebhookUrl` go there directly.
   */
  publicUrl?: string;
  /** the largest uploaded file, in MB, as `serve --max-file-size` (default 100, at most 1024) */
  maxFileSize?: number;
}

/** A bot event the portal wrote for delivery (see GET /__control/events). */
export interface PortalEvent {
  id: number;
  /** e.g. ONIMBOTMESSAGEADD */
  event: string;
  handlerUrl: string;
  /** pending, delivered, failed, cancelled */
  status: string;
  /** the form body as the handler's PHP would see it ($_POST) */
  body: Record<string, any>;
}

export class PortalCallError extends Error {
  constructor(
    readonly method: string,
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${method}: ${status} ${error}: ${description}`);
  }
}

export interface Portal {
  /** HTTPS base, e.g. https://127.0.0.1:PORT (trust `caPath`) */
  readonly url: string;
  /** plain-HTTP base */
  readonly httpUrl: string;
  /** `publicUrl` as the portal took it (an origin), when one was given */
  readonly publicUrl?: string;
  /** the admin's (user 1) webhook, ending in / (HTTPS, or under `publicUrl` when one was given) */
  readonly webhookUrl: string;
  /** the same webhook over plain HTTP */
  readonly httpWebhookUrl: string;
  /** the local CA's certificate file (NODE_EXTRA_CA_CERTS, curl --cacert) */
  readonly caPath: string;
  readonly controlToken: string;
  readonly dataDir: string;
  /** a REST call through the admin webhook (or as person `as`); the `result`, or a PortalCallError */
  call<T = any>(method: string, params?: Record<string, unknown>, opts?: { as?: number }): Promise<T>;
  /** a person with a webhook of their own (under `publicUrl` when one was given, as `webhookUrl`) */
  addUser(user: { name: string; lastName?: string; email?: string; admin?: boolean }): Promise<{ id: number; webhookUrl: string }>;
  /** a v1 bot (owned by CLIENT_ID `clientId`, events to `handler`) or a v2 bot (`api: 2`, fetch or webhook mode) */
  addBot(bot: { code: string; name?: string; handler?: string; clientId?: string; api?: 1 | 2; botToken?: string; webhookUrl?: string }): Promise<{ id: number; clientId?: string; botToken?: string }>;
  /** person `userId` writes `text` into `dialogId` (a user/bot id or chatN); the message id */
  sendAs(userId: number, dialogId: number | string, text: string): Promise<number>;
  /** a dialog's messages as person `as` (default 1) sees them, oldest first */
  messages(dialogId: number | string, opts?: { as?: number }): Promise<{ id: number; author_id: number; text: string; [k: string]: unknown }[]>;
  /** the first bot event (written for delivery) matching `pred`, waiting up to `timeoutMs` (default 5000) */
  waitForEvent(pred?: (e: PortalEvent) => boolean, opts?: { timeoutMs?: number }): Promise<PortalEvent>;
  /** bot events written so far, oldest first */
  events(): Promise<PortalEvent[]>;
  /** the request log, newest first (filters as GET /__control/requests) */
  requests(filter?: Record<string, string | number>): Promise<RequestEntry[]>;
  readonly clock: { now(): Promise<number>; advance(ms: number): Promise<number>; set(ms: number): Promise<number>; freeze(): Promise<number>; unfreeze(): Promise<number> };
  /** scripted faults (README, "Faults"): `add` answers the armed fault with its id */
  readonly faults: { add(fault: FaultSpec): Promise<ArmedFault>; list(): Promise<ArmedFault[]>; remove(id: number): Promise<void>; clear(): Promise<void> };
  /** apply a seed (idempotent); what it created */
  seed(seed: SeedInput | string): Promise<Record<string, number>>;
  /** back to the first-start state (the admin webhook is kept) */
  reset(): Promise<void>;
  snapshot(name: string): Promise<SnapshotInfo>;
  restore(name: string): Promise<SnapshotInfo>;
  close(): Promise<void>;
}

const toEvent = (e: { id: number; event: string; handler_url: string; status: string; body: string }): PortalEvent => ({
  id: e.id,
  event: e.event,
  handlerUrl: e.handler_url,
  status: e.status,
  body: JSON.parse(JSON.stringify(parseStr(e.body))),
});

/** `maxFileSize` in MB → bytes, by the rule `--max-file-size` follows; a RangeError otherwise. */
function maxFileSizeBytes(mb: number): number {
  const bytes = fileSizeFromMb(mb);
  if (bytes === null) throw new RangeError(`startPortal: maxFileSize is in megabytes, more than 0 and at most ${MAX_FILE_SIZE_CAP_MB}`);
  return bytes;
}

export async function startPortal(opts: StartPortalOptions = {}): Promise<Portal> {
  // checked before anything is created, as serve checks its option
  const maxFileSize = opts.maxFileSize === undefined ? undefined : maxFileSizeBytes(opts.maxFileSize);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'imbot-portal-'));
  const seed = opts.seed === undefined ? undefined : typeof opts.seed === 'string' ? loadSeedFile(opts.seed) : validateSeed(opts.seed);
  let server: RunningServer;
  try {
    server = await startServer({
      dataDir, host: '127.0.0.1', port: 0, httpPort: 0, profile: opts.profile ?? 'dev', delivery: { policy: opts.delivery ?? 'retry', ...(opts.retryFor !== undefined ? { horizonMs: opts.retryFor } : {}) },
      logLevel: opts.logLevel ?? 'silent', seed, logError: opts.logLevel ? undefined : () => {},
      ...(opts.publicUrl !== undefined ? { publicUrl: opts.publicUrl } : {}),
      ...(maxFileSize !== undefined ? { maxFileSize } : {}),
    });
  } catch (err) {
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const http = server.httpUrl;
  // the admin webhook on the loopback listener, whatever address the portal gives out
  const httpHook = `${http}${new URL(server.adminWebhookUrl).pathname}`;

  async function control(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${http}/__control/${path}`, {
      method,
      headers: { 'x-imbot-control-token': server.controlToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (res.status >= 400) throw new PortalCallError(`/__control/${path}`, res.status, json.error, json.error_description);
    return json;
  }

  const sessions = new Map<number, { cookie: string; sessid: string }>();
  async function sessionOf(userId: number) {
    let s = sessions.get(userId);
    if (!s) {
      const r = await control('POST', 'sessions', { user_id: userId });
      s = { cookie: `PHPSESSID=${r.PHPSESSID}`, sessid: r.sessid };
      sessions.set(userId, s);
    }
    return s;
  }

  async function call<T>(method: string, params: Record<string, unknown> = {}, o: { as?: number } = {}): Promise<T> {
    const session = o.as !== undefined && o.as !== 1 ? await sessionOf(o.as) : null;
    const res = await fetch(session ? `${http}/rest/${method}` : `${httpHook}${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(session ? { cookie: session.cookie } : {}) },
      body: JSON.stringify(session ? { ...params, sessid: session.sessid } : params),
    });
    const json = await res.json();
    if (res.status !== 200 || json.error) throw new PortalCallError(method, res.status, json.error, json.error_description);
    return json.result as T;
  }

  async function events(): Promise<PortalEvent[]> {
    const log = await deliveryLog(server.core.store.db, { limit: 10_000 });
    return log.reverse().map(toEvent);
  }

  const clockCall = async (body: unknown) => (await control('POST', 'clock', body)).now as number;
  let closed = false;

  return {
    url: server.httpsUrl,
    httpUrl: http,
    ...(server.publicUrl ? { publicUrl: server.publicUrl } : {}),
    webhookUrl: server.adminWebhookUrl,
    httpWebhookUrl: httpHook,
    caPath: server.caPath,
    controlToken: server.controlToken,
    dataDir,
    call,
    async addUser(u) {
      const code = `u${Math.random().toString(36).slice(2, 14)}`;
      const id = (await maxUserId(server.core.store.db)) + 1;
      await control('POST', 'seed', { people: [{ id, name: u.name, last_name: u.lastName, email: u.email, admin: u.admin }], webhooks: [{ user: id, code }] });
      return { id, webhookUrl: `${new URL(server.adminWebhookUrl).origin}/rest/${id}/${code}/` };
    },
    async addBot(b) {
      if (b.api === 2) {
        const botToken = b.botToken ?? `tok_${b.code}`.slice(0, 40);
        const fields: Record<string, unknown> = { code: b.code, properties: { name: b.name ?? b.code } };
        if (b.webhookUrl) Object.assign(fields, { eventMode: 'webhook', webhookUrl: b.webhookUrl });
        const r = await call<{ bot: { id: number } }>('imbot.v2.Bot.register', { botToken, fields });
        return { id: r.bot.id, botToken };
      }
      const clientId = b.clientId ?? `client_${b.code}`;
      const handler = b.handler ?? 'http://127.0.0.1:9/events';
      const id = await call<number>('imbot.register', {
        CODE: b.code, CLIENT_ID: clientId, EVENT_MESSAGE_ADD: handler, EVENT_WELCOME_MESSAGE: handler, EVENT_BOT_DELETE: handler,
        PROPERTIES: { NAME: b.name ?? b.code },
      });
      return { id: Number(id), clientId };
    },
    async sendAs(userId, dialogId, text) {
      return Number(await call('im.message.add', { DIALOG_ID: dialogId, MESSAGE: text }, { as: userId }));
    },
    async messages(dialogId, o = {}) {
      const r = await call<{ messages: { id: number; author_id: number; text: string }[] }>('im.dialog.messages.get', { DIALOG_ID: dialogId, LIMIT: 50 }, { as: o.as ?? 1 });
      return [...r.messages].sort((a, b) => a.id - b.id);
    },
    async waitForEvent(pred = () => true, o = {}) {
      const until = Date.now() + (o.timeoutMs ?? 5000);
      for (;;) {
        const found = (await events()).find(pred);
        if (found) return found;
        if (Date.now() > until) throw new Error(`no matching bot event within ${o.timeoutMs ?? 5000} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    events,
    async requests(filter = {}) {
      const q = new URLSearchParams(Object.entries(filter).map(([k, v]) => [k, String(v)]));
      return (await control('GET', `requests?${q}`)).requests;
    },
    clock: {
      now: async () => (await control('GET', 'clock')).now,
      advance: (ms) => clockCall({ advance_ms: ms }),
      set: (ms) => clockCall({ set_ms: ms }),
      freeze: () => clockCall({ freeze: true }),
      unfreeze: () => clockCall({ freeze: false }),
    },
    faults: {
      add: async (f) => (await control('POST', 'faults', f)).fault,
      remove: async (id) => void (await control('DELETE', `faults/${id}`)),
      list: async () => (await control('GET', 'faults')).faults,
      clear: async () => void (await control('DELETE', 'faults')),
    },
    async seed(s) {
      const body = typeof s === 'string' ? loadSeedFile(s) : s;
      return (await control('POST', 'seed', body)).created;
    },
    async reset() {
      sessions.clear();
      await control('POST', 'reset');
    },
    snapshot: async (name) => (await control('POST', 'snapshots', { name })).snapshot,
    async restore(name) {
      sessions.clear();
      return (await control('POST', `snapshots/${encodeURIComponent(name)}/restore`)).snapshot;
    },
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The local CA's certificate (for an HTTPS client that takes a `ca` option). */
export function caOf(portal: Portal): Buffer {
  return readFileSync(portal.caPath);
}
