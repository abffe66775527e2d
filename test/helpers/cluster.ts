import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { MovableClock } from '../../src/clock.js';
import { ensurePortal } from '../../src/portal/bootstrap.js';
import { openStore } from '../../src/store/open.js';

/**
 * A cluster on loopback for the scenario tests (test/cluster*.test.ts) and `npm run bench:cluster`:
 * N real `bin/imbot-server.js serve` processes on free ports, one PostgreSQL schema and one Redis
 * shared by all of them, as README's "Running a cluster" runs them.
 *
 * Which PostgreSQL: the suite's (IMBOT_TEST_STORE, on the PostgreSQL run), else the one
 * scripts/postgres-service.mjs picks for scripts/test-postgres.mjs too (IMBOT_TEST_PG, one
 * answering at 127.0.0.1:5432 with trust auth and a database `test`, else an embedded one). Which Redis: one answering at 127.0.0.1:6379, else a
 * private `redis-server --port <free> --save ''` started here (never skipped: without
 * redis-server the scenarios fail and say why). Each cluster gets a schema and a Redis key prefix
 * of its own, so clusters (and other test runs) never see each other's state.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = resolve(repoRoot, 'bin/imbot-server.js');

export interface Service {
  url: string;
  /** where it came from, for messages */
  what: string;
  stop(): Promise<void>;
}

/** scripts/postgres-service.mjs: where the tests find PostgreSQL (shared with scripts/test-postgres.mjs). */
interface PostgresService {
  freePort(): Promise<number>;
  pickPostgres(tempPrefix?: string): Promise<Service>;
}

let postgresService: Promise<PostgresService> | null = null;
/** Imported at run time: the module is plain JavaScript under scripts/, outside the compiled tree. */
function postgresServiceModule(): Promise<PostgresService> {
  postgresService ??= import(pathToFileURL(resolve(repoRoot, 'scripts/postgres-service.mjs')).href) as Promise<PostgresService>;
  return postgresService;
}

export async function freePort(): Promise<number> {
  return (await postgresServiceModule()).freePort();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The PostgreSQL database clusters make their schemas in (see the file comment). */
export async function testPostgres(): Promise<Service> {
  const suite = process.env.IMBOT_TEST_STORE;
  if (suite && /^postgres(ql)?:/.test(suite)) return { url: suite, what: 'the suite database', stop: async () => {} };
  return (await postgresServiceModule()).pickPostgres('imbot-cluster-pg-');
}

/** Sends PING, resolves true on +PONG. */
function redisPing(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port });
    let text = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(2000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (text.includes('\r\n')) finish(text.startsWith('+PONG'));
    });
  });
}

/** Redis: 127.0.0.1:6379 when it answers, else a private redis-server on a free port. */
export async function testRedis(): Promise<Service> {
  if (await redisPing(6379)) return { url: 'redis://127.0.0.1:6379', what: '127.0.0.1:6379', stop: async () => {} };
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'imbot-cluster-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const failed = new Promise<Error>((r) => child.once('error', (err) => r(new Error(`redis-server could not start (is it installed? .ci/run installs it): ${err.message}`))));
  for (let i = 0; i < 100; i++) {
    const ok = await Promise.race([redisPing(port), failed.then((e) => { throw e; })]);
    if (ok) {
      return {
        url: `redis://127.0.0.1:${port}`,
        what: `redis-server on :${port}`,
        async stop() {
          child.kill('SIGTERM');
          await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on :${port} did not answer PING`);
}

/** The store URL of `schema` in `database` (created by the first node that opens it). */
export function schemaUrl(database: string, schema: string): string {
  const url = new URL(database);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export interface NodeAnswer {
  status: number;
  body: any;
  text: string;
}

export class ClusterNode {
  child: ChildProcess | null = null;
  /** the process's exit code (null: killed by a signal) once it ended */
  exited: Promise<number | null> = Promise.resolve(null);
  /** the last lines it printed (stdout and stderr), for failure messages */
  output = '';
  readonly dataDir: string;

  constructor(
    readonly index: number,
    readonly httpPort: number,
    readonly httpsPort: number,
    private readonly args: () => string[],
  ) {
    this.dataDir = mkdtempSync(join(tmpdir(), `imbot-node${index}-`));
  }

  get http(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get controlToken(): string {
    return readFileSync(join(this.dataDir, 'control-token'), 'utf8').trim();
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process; resolves once `/__ready` answers 200 (rejects if it exits first). */
  async start(timeoutMs = 60_000): Promise<void> {
    const args = ['serve', '--data', this.dataDir, '--host', '127.0.0.1', '--port', String(this.httpsPort), '--http-port', String(this.httpPort), '--log-level', 'warn', '--quiet-secrets', '--node-id', `node${this.index}`, ...this.args()];
    // the flags say everything: no IMBOT_* setting of the surrounding shell leaks in
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('IMBOT_')));
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    const keep = (d: Buffer) => {
      this.output = (this.output + d.toString('utf8')).slice(-4000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    let gone = false;
    void this.exited.then(() => (gone = true));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (gone) throw new Error(`node ${this.index} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${this.output}`);
      const r = await fetch(`${this.http}/__ready`).catch(() => null);
      if (r?.status === 200) {
        await r.text();
        return;
      }
      await r?.text();
      await sleep(100);
    }
    child.kill('SIGKILL');
    throw new Error(`node ${this.index} was not ready in ${timeoutMs} ms:\n${this.output}`);
  }

  /** SIGTERM (a graceful stop); resolves to the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child!.kill('SIGTERM');
    return this.exited;
  }

  /** `kill -9`: no chance to clean up. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** A call to `/__control/<path>` of this node with its token. */
  async control(method: string, path: string, body?: unknown): Promise<NodeAnswer> {
    const res = await fetch(`${this.http}/__control/${path}`, {
      method,
      headers: { 'x-imbot-control-token': this.controlToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: safeJson(text) };
  }
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface ClusterOptions {
  nodes?: number;
  /** more `serve` flags for every node */
  args?: string[];
  /** a database / Redis to use (default: testPostgres() / testRedis(), stopped with the cluster) */
  postgres?: Service;
  redis?: Service;
}

export interface Cluster {
  nodes: ClusterNode[];
  /** the `--store` URL every node uses */
  storeUrl: string;
  schema: string;
  redisUrl: string;
  redisPrefix: string;
  /** the admin (user 1) webhook code, valid on every node */
  adminCode: string;
  /** `${node.http}/rest/1/${adminCode}` */
  hook(node: number): string;
  /** POSTs a JSON REST call to `node` as the admin */
  call(node: number, method: string, params?: Record<string, unknown>): Promise<NodeAnswer>;
  /** stops every node (SIGTERM), drops the schema, stops what it started */
  stop(): Promise<void>;
}

/** Starts `nodes` (default 3) nodes at the same moment over a fresh schema and Redis prefix. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const ownPg = !opts.postgres;
  const ownRedis = !opts.redis;
  const postgres = opts.postgres ?? (await testPostgres());
  const redis = opts.redis ?? (await testRedis());
  const tag = randomBytes(4).toString('hex');
  const schema = `imbot_cluster_${tag}`;
  const storeUrl = schemaUrl(postgres.url, schema);
  const redisPrefix = `imbot:t${tag}:`;
  const args = () => ['--store', storeUrl, '--redis', redis.url, '--redis-prefix', redisPrefix, ...(opts.args ?? [])];
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < (opts.nodes ?? 3); i++) nodes.push(new ClusterNode(i, await freePort(), await freePort(), args));

  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    for (const n of nodes) rmSync(n.dataDir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect().catch(() => {});
    await client.query(`drop schema if exists "${schema}" cascade`).catch(() => {});
    await client.end().catch(() => {});
    if (ownRedis) await redis.stop();
    if (ownPg) await postgres.stop();
  };

  try {
    // all at once on an empty schema: migrations run once, under the lock, the others wait
    await Promise.all(nodes.map((n) => n.start()));
  } catch (err) {
    await stopAll();
    throw err;
  }
  // the admin webhook is the portal's, made by whichever node bootstrapped it
  const store = await openStore({ dataDir: nodes[0]!.dataDir, url: storeUrl });
  let adminCode: string;
  try {
    adminCode = (await ensurePortal(store.db, new MovableClock())).adminWebhookCode;
  } finally {
    await store.close();
  }
  const hook = (i: number) => `${nodes[i]!.http}/rest/1/${adminCode}`;
  return {
    nodes,
    storeUrl,
    schema,
    redisUrl: redis.url,
    redisPrefix,
    adminCode,
    hook,
    async call(i, method, params = {}) {
      const res = await fetch(`${hook(i)}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
      const text = await res.text();
      return { status: res.status, text, body: safeJson(text) };
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop().catch(() => null)));
      await stopAll();
    },
  };
}
