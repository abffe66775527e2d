import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MovableClock } from '../clock.js';
import type { PortalInfo, Profile } from '../context.js';
import { buildRegistry } from '../methods/index.js';
import { ensurePortal } from '../portal/bootstrap.js';
import { FaultPlan } from '../rest/faults.js';
import type { RestCore } from '../rest/pipeline.js';
import { openSqliteStore } from '../store/db.js';
import { answerClientError, buildApp, MAX_HEADER_SIZE } from './app.js';
import { registerEventRoutes } from './events-route.js';
import { DEFAULT_DELIVERY, DeliveryWorker, type DeliveryOptions } from '../events/worker.js';
import { ensureTls } from './tls.js';
import { Limits, resolveLimits, type LimitsConfig } from '../limits/index.js';
import { registerLimitsRoutes } from './limits-route.js';
import { registerDownloadRoute } from './download-route.js';
import { DirFileStore, MAX_FILE_SIZE } from '../files/store.js';
import { sweepOrphanFiles } from '../im/files.js';
import { PushHub } from './push.js';
import { registerWebRoutes } from './web-route.js';
import { registerConsoleRoutes } from './console-route.js';

export interface ServerOptions {
  dataDir: string;
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
}

export interface RunningServer {
  httpsUrl: string;
  httpUrl: string;
  /** the web messenger (plain HTTP, so a browser needs no CA) */
  webUrl: string;
  adminWebhookUrl: string;
  caPath: string;
  controlToken: string;
  core: RestCore;
  clock: MovableClock;
  /** the outbox sender */
  events: DeliveryWorker;
  close(): Promise<void>;
}

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
  const clock = new MovableClock();
  const store = await openSqliteStore(opts.dataDir);
  const state = await ensurePortal(store.db, clock);
  const tls = ensureTls(opts.dataDir, [opts.host]);
  const token = controlToken(opts.dataDir);
  const portal: PortalInfo = { domain: '', baseUrl: '', memberId: state.memberId, languageId: 'en', license: 'en_ent10000', accessTokenTtl: opts.accessTokenTtl };
  const core: RestCore = { registry: buildRegistry(), store, clock, portal, profile: opts.profile, faults: new FaultPlan() };
  core.limits = new Limits(clock, resolveLimits(opts.profile, opts.limits), state.memberId);
  // Chat files live in <data>/files; bytes left by uploads that rolled back are swept first.
  const fileStore = new DirFileStore(join(opts.dataDir, 'files'));
  await sweepOrphanFiles(store.db, fileStore);
  core.files = { store: fileStore, maxSize: opts.maxFileSize ?? MAX_FILE_SIZE };
  const logError = opts.logError ?? ((err: unknown, where: string) => console.error(`[imbot-server] internal error in ${where}:`, err));
  const app = buildApp(core, clock, token, logError);
  registerEventRoutes(app, core);
  registerLimitsRoutes(app, core.limits);
  registerDownloadRoute(app, core);
  // The web messenger: `/`, its assets, sign-in and the push stream fed by committed chat changes.
  const push = new PushHub(store.db, logError);
  core.changes = push;
  registerWebRoutes(app, core, push, token);
  registerConsoleRoutes(app, core);
  const events = new DeliveryWorker(store.db, clock, { ...DEFAULT_DELIVERY, ...opts.delivery, profile: opts.profile }, logError);

  await app.listen({ host: opts.host, port: opts.httpPort });
  await app.ready();
  const https: HttpsServer = createHttpsServer({ key: tls.keyPem, cert: tls.certPem, maxHeaderSize: MAX_HEADER_SIZE }, (req, res) => app.routing(req, res));
  https.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    https.once('error', reject);
    https.listen(opts.port, opts.host, () => resolve());
  });
  https.keepAliveTimeout = 65_000;

  const host = urlHost(opts.host);
  const httpPort = (app.server.address() as AddressInfo).port;
  const httpsPort = (https.address() as AddressInfo).port;
  portal.domain = `${host}:${httpsPort}`;
  portal.baseUrl = `https://${portal.domain}`;
  events.start();

  return {
    httpsUrl: portal.baseUrl,
    httpUrl: `http://${host}:${httpPort}`,
    webUrl: `http://${host}:${httpPort}/`,
    adminWebhookUrl: `${portal.baseUrl}/rest/1/${state.adminWebhookCode}/`,
    caPath: tls.caPath,
    controlToken: token,
    core,
    clock,
    events,
    async close() {
      push.end();
      await events.stop();
      const closed = new Promise<void>((resolve) => https.close(() => resolve()));
      https.closeAllConnections();
      await closed;
      await app.close();
      await store.close();
    },
  };
}
