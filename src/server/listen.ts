import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MovableClock } from '../clock.js';
import type { PortalInfo, Profile } from '../context.js';
import { buildRegistry } from '../methods/index.js';
import { ensurePortal } from '../portal/bootstrap.js';
import { parsePublicUrl, portalInfoOf, recordPortalSettings, type PortalSettings } from '../portal/settings.js';
import { DEFAULT_ACCESS_TTL_S } from '../auth/oauth.js';
import type { Db } from '../store/db.js';
import { FaultPlan } from '../harness/faults.js';
import type { RestCore } from '../rest/pipeline.js';
import { openStore } from '../store/open.js';
import { pingStore } from '../store/db.js';
import { Readiness, registerHealthRoutes } from './health-route.js';
import type { ServerResponse } from 'node:http';
import { outboxSignal } from '../events/signal.js';
import { answerClientError, buildApp, CORS_HEADERS, MAX_HEADER_SIZE } from './app.js';
import { registerControlApi } from './control-api.js';
import { registerControlRoutes } from './control-route.js';
import { registerFaultRoutes } from './faults-route.js';
import { registerEventRoutes } from './events-route.js';
import { registerLimitsRoutes } from './limits-route.js';
import { registerNotificationRoutes } from './notifications-route.js';
import { DEFAULT_DELIVERY, DeliveryWorker, type DeliveryOptions } from '../events/worker.js';
import { ensureTls } from './tls.js';
import { Limits, resolveLimits, type LimitsConfig } from '../limits/index.js';
import { registerDownloadRoute } from './download-route.js';
import { UploadSpool } from '../files/spool.js';
import { DirFileStore, MAX_FILE_SIZE } from '../files/store.js';
import { DbFileStore } from '../files/db-store.js';
import { sweepOrphanFiles } from '../im/files.js';
import { hostname } from 'node:os';
import { DEFAULT_REQUEST_LOG, RequestLog } from '../rest/request-log.js';
import { createLogger, logRequests, type LogFormat, type LogLevel } from './logger.js';
import { registerHarnessRoutes } from './control/index.js';
import { registerOpenLineRoutes } from './control/openlines-route.js';
import { registerAppRoutes } from './control/apps-route.js';
import { CallGate } from '../rest/quiesce.js';
import { PortalStateControl } from '../harness/portal-state.js';
import { applySeed } from '../harness/seed/apply.js';
import type { Seed } from '../harness/seed/schema.js';
import { redactingLog } from '../util/secrets.js';
import { SYSTEM_HANDLER_NET, type Cidr, type HandlerNet } from '../util/addresses.js';
import { DEFAULT_CONNECTION_LIMITS, limitConnections, type ConnectionLimits } from './connections.js';
import { PushHub } from './push.js';
import { registerWebRoutes } from './web-route.js';
import { registerConsoleRoutes } from './console-route.js';
import { defaultNodeId, openCluster, type Cluster } from '../cluster/index.js';
import { bridgeChanges, bridgeOutbox, shareControlState } from '../cluster/bridges.js';

export interface ServerOptions {
  /** tls/, files/ and control-token; also the SQLite store unless `store` names another */
  dataDir: string;
  /** `postgres://…` (`serve --store`, `IMBOT_STORE`); absent = SQLite in `dataDir` */
  store?: string;
  host: string;
  /** HTTPS port; 0 picks a free one */
  port: number;
  /** plain HTTP port; 0 picks a free one */
  httpPort: number;
  profile: Profile;
  /** where internal failures are reported (default: stderr) */
  logError?: (err: unknown, where: string) => void;
  /** event delivery settings (default: DEFAULT_DELIVERY, policy `retry`) */
  delivery?: Partial<DeliveryOptions>;
  /** rate and operating-time limits; each unset one comes from the profile (cloud: on, dev: off) */
  limits?: Partial<LimitsConfig>;
  /** OAuth access-token lifetime in seconds (default 3600) */
  accessTokenTtl?: number;
  /** largest File.upload in bytes (default 100 MB; tests lower it) */
  maxFileSize?: number;
  /** structured log level (default `silent`; the CLI's default is `info`) */
  logLevel?: LogLevel;
  /** `pretty` (default in a terminal) or `json` lines */
  logFormat?: LogFormat;
  /** request log bounds (default 1000 entries, 1 h) */
  requestLog?: { maxEntries?: number; maxAgeMs?: number };
  /** this process's name in the request log (default host:pid) */
  nodeId?: string;
  /** applied once the portal knows its URLs, before any request is served (harness/seed) */
  seed?: Seed;
  /**
   * Where chat files' bytes live (`serve --files`): `db` (the default on PostgreSQL: in the
   * store, read by every node) or `dir` (the default on SQLite: `<dataDir>/files`).
   */
  files?: 'db' | 'dir';
  /**
   * `serve --redis redis://…` (`IMBOT_REDIS`): this node is one of several serving one portal
   * over the same PostgreSQL store; Redis carries the cross-node signals, lane leases, the
   * shared limit counters and the control state. Absent: one node, nothing shared.
   */
  redis?: string;
  /** prefix of every Redis key and channel (default `imbot:`; clusters sharing one Redis differ) */
  redisPrefix?: string;
  /** `serve --control off`: no control API at all (default on) */
  control?: boolean;
  /** client ranges the control API answers besides this machine (`serve --control-from`) */
  controlFrom?: readonly Cidr[];
  /** non-public ranges `cloud` handler URLs may point to (`serve --allow-private`) */
  allowPrivate?: readonly Cidr[];
  /** host name → addresses for handler URLs (default: the system resolver; tests inject one) */
  resolveHost?: (host: string) => Promise<string[]>;
  /** timeouts and the per-address connection cap (src/server/connections.ts) */
  connections?: Partial<ConnectionLimits>;
  /**
   * Vendor OAuth host names this server also answers token requests for (`serve --oauth-alias`):
   * the server certificate carries them, and a token request for one of them is answered as the
   * vendor's server answers. Clients that hard-wire e.g. `https://oauth.bitrix.info/oauth/token/`
   * reach us with one hosts-file line (docs: README, "Token refresh in unchanged clients").
   */
  oauthAliases?: readonly string[];
  /** a further HTTPS port serving the same portal, e.g. 443 for the aliases (`serve --oauth-port`) */
  oauthPort?: number;
  /**
   * The origin clients reach the portal by when it is not the HTTPS listener (`serve --public-url`,
   * a proxy or load balancer, or `http://127.0.0.1:24080` for clients without the local CA): it
   * fills `domain`, `client_endpoint`, `server_endpoint` and event `auth` blocks. Recorded in the
   * store with the other portal settings (src/portal/settings.ts), so the CLI and other nodes
   * describe the portal the same way.
   */
  publicUrl?: string;
}

/** The vendor's OAuth servers that unchanged clients hard-wire (CRest, b24phpsdk, b24pysdk). */
export const VENDOR_OAUTH_HOSTS = ['oauth.bitrix.info', 'oauth.bitrix24.tech'] as const;

export interface RunningServer {
  httpsUrl: string;
  httpUrl: string;
  /** the web messenger (plain HTTP, so a browser needs no CA) */
  webUrl: string;
  /** the further HTTPS port (`oauthPort`), when one was asked for */
  oauthPort?: number;
  adminWebhookUrl: string;
  /** this start made the portal (fresh data dir) */
  firstStart: boolean;
  /** `publicUrl`, normalised to an origin, when one was given */
  publicUrl?: string;
  caPath: string;
  controlToken: string;
  core: RestCore;
  clock: MovableClock;
  /** the outbox sender */
  events: DeliveryWorker;
  /** what this node shares with the others (all local without --redis) */
  cluster: Cluster;
  /** reset, snapshots, restore */
  state: PortalStateControl;
  /** what `/__ready` checks; a further dependency adds its probe here */
  readiness: Readiness;
  /** Stops at once: calls still in flight on HTTPS are cut off (tests, the CLI's one-shot commands). */
  close(): Promise<void>;
  /**
   * Stops the way a node leaves a cluster (SIGTERM): `/__ready` answers 503, the listeners stop
   * accepting, calls in flight finish (for up to `drainMs`, then they are cut off), then the
   * delivery worker stops (its lanes are free for the other nodes) and the store's pool closes.
   */
  shutdown(drainMs?: number): Promise<void>;
}

/** Database-kept bytes younger than this are never swept as orphans (a node may be mid-upload). */
export const FILE_SWEEP_GRACE_MS = 10 * 60_000;

/** How long `shutdown` lets calls in flight finish by default. */
export const DEFAULT_DRAIN_MS = 10_000;

function controlToken(dataDir: string): string {
  const path = join(dataDir, 'control-token');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(24).toString('hex');
  writeFileSync(path, token + '\n', { mode: 0o600 });
  return token;
}

function urlHost(host: string): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return h.includes(':') ? `[${h}]` : h;
}

/** Opens the data dir, then serves the portal over HTTPS (local CA) and plain HTTP. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  if (opts.redis && !opts.store) {
    throw new Error('--redis makes this server one node of a cluster, and the nodes share one PostgreSQL store: give --store postgres://… too (SQLite is one process\'s file)');
  }
  const clock = new MovableClock();
  const publicUrl = opts.publicUrl === undefined ? null : parsePublicUrl(opts.publicUrl);
  const nodeId = opts.nodeId ?? defaultNodeId();
  // Where internal failures go before the logger exists (Redis refusing, a broken bus message).
  const earlyLog = (err: unknown, where: string) => (opts.logError ?? ((e: unknown, w: string) => console.error(`${w}:`, e)))(err, where);
  const cluster = await openCluster({ redis: opts.redis, prefix: opts.redisPrefix, nodeId, logError: (err, where) => earlyLog(err, where) });
  let store;
  try {
    store = await openStore({ dataDir: opts.dataDir, url: opts.store });
  } catch (err) {
    await cluster.close();
    throw err;
  }
  const state = await ensurePortal(store.db, clock);
  const oauthHosts = [...new Set((opts.oauthAliases ?? []).map((h) => h.toLowerCase()))];
  // an HTTPS public name is one more name the server certificate carries (the local CA then vouches for it)
  const publicHost = publicUrl?.startsWith('https:') ? new URL(publicUrl).hostname.replace(/^\[|\]$/g, '') : null;
  const tls = ensureTls(opts.dataDir, [opts.host, ...oauthHosts, ...(publicHost ? [publicHost] : [])]);
  const token = controlToken(opts.dataDir);
  const portal: PortalInfo = { domain: '', baseUrl: '', memberId: state.memberId, languageId: 'en', license: 'en_ent10000', accessTokenTtl: opts.accessTokenTtl, oauthHosts };
  const handlerNet: HandlerNet = { resolve: opts.resolveHost ?? SYSTEM_HANDLER_NET.resolve, allowPrivate: opts.allowPrivate ?? [] };
  const core: RestCore = { registry: buildRegistry(), store, clock, portal, profile: opts.profile, faults: new FaultPlan(), handlerNet };
  const limits = new Limits(clock, resolveLimits(opts.profile, opts.limits), state.memberId, cluster.limitsBackend ?? undefined);
  core.limits = limits;
  // Chat files: in the database on PostgreSQL (every node reads them), in <data>/files on SQLite
  // (`files` chooses). Bytes left by uploads that rolled back are swept first; in the database,
  // only those older than FILE_SWEEP_GRACE_MS, since another node may be between writing a
  // file's bytes and committing its row.
  const filesIn = opts.files ?? (store.dialect === 'postgres' ? 'db' : 'dir');
  if (filesIn === 'db' && store.dialect !== 'postgres') {
    await store.close();
    await cluster.close();
    throw new Error('--files db needs a PostgreSQL store (--store postgres://…); SQLite keeps files in the data directory');
  }
  const fileStore = filesIn === 'db' ? new DbFileStore(store) : new DirFileStore(join(opts.dataDir, 'files'));
  await sweepOrphanFiles(store.db, fileStore, filesIn === 'db' ? Date.now() - FILE_SWEEP_GRACE_MS : undefined);
  core.files = { store: fileStore, maxSize: opts.maxFileSize ?? MAX_FILE_SIZE };
  const logger = createLogger(opts.logLevel ?? 'silent', opts.logFormat);
  // Whatever logger is used, secrets in errors (tokens, webhook codes) are masked before it sees them.
  const logError = redactingLog(opts.logError ?? ((err: unknown, where: string) => logger.error({ err, where }, 'internal error')));
  core.requests = new RequestLog(clock, { ...DEFAULT_REQUEST_LOG, ...opts.requestLog, node: opts.nodeId ?? (cluster.clustered ? nodeId : `${hostname()}:${process.pid}`) });
  logRequests(logger, core.requests);
  core.gate = new CallGate();
  // multipart file parts are spooled to <data>/uploads-tmp/<host>-<pid> (files/spool.ts)
  const spool = await UploadSpool.open(join(opts.dataDir, 'uploads-tmp'));
  const app = buildApp(core, logError, logger, spool);
  // Every response still being written, so a shutdown can wait for them (and tell their clients
  // not to send more on that connection).
  const readiness = new Readiness();
  readiness.add('store', () => pingStore(store.db));
  if (cluster.clustered) readiness.add('redis', () => cluster.ping());
  const active = new Set<ServerResponse>();
  let idle: (() => void) | null = null;
  app.addHook('onRequest', async (_req, reply) => {
    const res = reply.raw;
    if (readiness.isDraining) reply.header('connection', 'close');
    active.add(res);
    res.once('close', () => {
      active.delete(res);
      if (active.size === 0) idle?.();
    });
  });
  registerHealthRoutes(app, readiness, opts.nodeId ?? `${hostname()}:${process.pid}`);
  registerDownloadRoute(app, core);
  // The web messenger: `/`, its assets, sign-in and the push stream fed by committed chat changes.
  const push = new PushHub(store.db, logError);
  // a cluster: changes also go to the other nodes' streams (a browser may be on any node)
  const changes = bridgeChanges(cluster, push);
  core.changes = changes.sink;
  registerWebRoutes(app, core, push, token);
  const events = new DeliveryWorker(store.db, clock, { ...DEFAULT_DELIVERY, ...opts.delivery, profile: opts.profile, handlerNet }, logError, core.faults, cluster.leases);
  // clock, faults and limit settings set through any node hold on all of them
  const stopControlShare = await shareControlState(cluster, { clock, faults: core.faults, limits }, logError);
  // lanes written on another node wake this one (it may hold, or be able to take, the lane)
  const stopOutboxBridge = bridgeOutbox(cluster);
  let settings: PortalSettings | null = null; // known once the listeners have their ports
  const rerecord = async (db: Db) => {
    if (settings) await recordPortalSettings(db, settings);
  };
  const portalState = new PortalStateControl(store, clock, opts.dataDir, core.gate, events, state, rerecord);
  const adminWebhookUrl = () => `${portal.baseUrl}/rest/1/${state.adminWebhookCode}/`;
  // Every /__control route is registered here, on the gated scope (control-api.ts): client and
  // token are checked before any of them runs. `--control off`: none at all.
  if (opts.control !== false) {
    registerControlApi(app, { token, from: opts.controlFrom ?? [] }, (scope) => {
      registerControlRoutes(scope, core, clock);
      registerFaultRoutes(scope, core.faults, core.registry);
      registerEventRoutes(scope, core);
      registerLimitsRoutes(scope, limits);
      registerNotificationRoutes(scope, core);
      registerConsoleRoutes(scope, core);
      registerOpenLineRoutes(scope, core);
      registerAppRoutes(scope, core);
      registerHarnessRoutes(scope, { requests: core.requests!, state: portalState, adminWebhookUrl, core, gate: core.gate! });
    });
  }
  // Outbox rows committed by another process (the CLI's `app uninstall`) wake the worker at once
  // where the store tells of them (PostgreSQL); '' = the listener reconnected. In a cluster the
  // other nodes' rows are announced with their lanes on the bus, so a node does not listen to the
  // outbox's notifications at all (every bot event written on any node would wake it): the poll
  // timer finds the CLI's rows, the listener's reconnection ('') still scans.
  const stopForeign = store.onForeignChange(
    (table) => {
      if (table === 'event_outbox' || table === '') outboxSignal.emit('written');
    },
    { outbox: !cluster.clustered },
  );

  const connections = { ...DEFAULT_CONNECTION_LIMITS, ...opts.connections };
  const perAddress = new Map<string, number>();
  limitConnections(app.server, connections, perAddress, CORS_HEADERS, false);
  await app.listen({ host: opts.host, port: opts.httpPort });
  await app.ready();
  const listenHttps = async (port: number): Promise<HttpsServer> => {
    const server: HttpsServer = createHttpsServer(
      { key: tls.keyPem, cert: tls.certPem, maxHeaderSize: MAX_HEADER_SIZE, handshakeTimeout: connections.headersTimeoutMs },
      (req, res) => app.routing(req, res),
    );
    server.on('clientError', answerClientError);
    limitConnections(server, connections, perAddress, CORS_HEADERS, true);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, opts.host, () => resolve());
    });
    return server;
  };
  const https = await listenHttps(opts.port);
  const extraHttps = opts.oauthPort === undefined ? null : await listenHttps(opts.oauthPort);

  const host = urlHost(opts.host);
  const httpPort = (app.server.address() as AddressInfo).port;
  const httpsPort = (https.address() as AddressInfo).port;
  const resolvedLimits = resolveLimits(opts.profile, opts.limits);
  const delivery = { ...DEFAULT_DELIVERY, ...opts.delivery };
  settings = {
    publicUrl,
    httpsUrl: `https://${host}:${httpsPort}`,
    httpUrl: `http://${host}:${httpPort}`,
    profile: opts.profile,
    accessTokenTtl: opts.accessTokenTtl ?? DEFAULT_ACCESS_TTL_S,
    delivery: { policy: delivery.policy, retryForMs: delivery.horizonMs },
    limits: { rate: resolvedLimits.rate, operatingLimit: resolvedLimits.operatingLimit },
    oauthHosts,
  };
  Object.assign(portal, portalInfoOf(settings, state.memberId));
  await recordPortalSettings(store.db, settings);
  if (opts.seed) {
    const seed = opts.seed;
    await core.gate.exclusive(() => applySeed(core, seed)).catch(async (err) => {
      await Promise.allSettled([app.close(), new Promise((r) => https.close(r)), new Promise((r) => (extraHttps ? extraHttps.close(r) : r(undefined)))]);
      await store.close();
      await cluster.close();
      throw err;
    });
  }
  events.start();

  const servers = extraHttps ? [https, extraHttps] : [https];
  let stopping: Promise<void> | null = null;
  const stop = (drainMs: number): Promise<void> =>
    (stopping ??= (async () => {
      readiness.drain();
      push.end();
      // No new connections; idle keep-alive ones are closed by server.close() itself; the answers
      // still being written tell their clients to open a new connection (to another node).
      // drainMs 0: HTTPS calls in flight are cut off, plain HTTP ones are waited for by app.close().
      for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
      const listeners = drainMs > 0 ? [app.server, ...servers] : servers;
      const closed = listeners.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
      if (drainMs > 0 && active.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, drainMs))),
        ]);
        clearTimeout(timer);
      }
      for (const server of listeners) server.closeAllConnections();
      await Promise.all(closed);
      stopForeign();
      stopOutboxBridge();
      stopControlShare();
      changes.stop();
      // the worker stops sending; closing the cluster releases its lane leases at once, so the
      // other nodes take its lanes over without waiting for the leases to expire
      await events.stop();
      await app.close();
      await spool.close();
      await store.close();
      await cluster.close();
    })());

  return {
    httpsUrl: settings.httpsUrl,
    httpUrl: settings.httpUrl,
    ...(publicUrl ? { publicUrl } : {}),
    ...(extraHttps ? { oauthPort: (extraHttps.address() as AddressInfo).port } : {}),
    adminWebhookUrl: adminWebhookUrl(),
    firstStart: state.created,
    state: portalState,
    webUrl: `http://${host}:${httpPort}/`,
    caPath: tls.caPath,
    controlToken: token,
    core,
    clock,
    events,
    cluster,
    readiness,
    close: () => stop(0),
    shutdown: (drainMs = DEFAULT_DRAIN_MS) => stop(drainMs),
  };
}
