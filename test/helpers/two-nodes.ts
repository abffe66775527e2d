import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * Server processes forming one portal on PostgreSQL + Redis, for the cluster tests. PostgreSQL:
 * IMBOT_TEST_STORE / IMBOT_TEST_PG, else 127.0.0.1:5432 db `test`; each cluster gets a schema of
 * its own. Redis: 127.0.0.1:6379, or a private `redis-server` on a free port when nothing answers
 * there (never skipped); each cluster gets a key prefix of its own.
 */
export const CLUSTER_PG = process.env.IMBOT_TEST_STORE?.startsWith('postgres')
  ? stripOptions(process.env.IMBOT_TEST_STORE)
  : process.env.IMBOT_TEST_PG && process.env.IMBOT_TEST_PG !== 'embedded'
    ? process.env.IMBOT_TEST_PG
    : 'postgres://postgres@127.0.0.1:5432/test';

function stripOptions(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('options');
  return u.toString();
}

const CLI = fileURLToPath(new URL('./cli-entry.js', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function answers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

let privateRedis: { url: string; proc: ChildProcess } | null = null;

/** A Redis URL that answers: 127.0.0.1:6379, or a private server started for this test process. */
export async function testRedis(): Promise<string> {
  const shared = 'redis://127.0.0.1:6379';
  if (await answers(shared)) return shared;
  if (privateRedis) return privateRedis.url;
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 50));
  privateRedis = { url, proc };
  process.once('exit', () => proc.kill());
  return url;
}

export interface Node {
  http: string;
  controlToken: string;
  dataDir: string;
  proc: ChildProcess;
  /** stdout + stderr so far */
  output(): string;
  /** SIGTERM (or the signal given) and wait for the exit */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface TestCluster {
  storeUrl: string;
  redis: string;
  prefix: string;
  nodes: Node[];
  /** the admin webhook base (…/rest/1/<code>) on node `i` */
  hook(i: number): string;
  adminCode: string;
  /** starts one more node on the same store and Redis */
  addNode(extra?: string[]): Promise<Node>;
  stop(): Promise<void>;
}

/** Spawns `serve`, resolves once it printed its addresses; rejects with its output when it exits first. */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Node & { adminWebhook: string | null }> {
  const dataDir = args[args.indexOf('--data') + 1]!;
  const proc = spawn(process.execPath, [CLI, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (!/messenger:/.test(out)) return;
      proc.stdout!.off('data', onData);
      const http = /portal \(HTTP\):\s+(\S+)\/rest\//.exec(out)![1]!;
      const admin = /admin webhook:\s+(\S+\/rest\/1\/[0-9a-z]+)\/\s/.exec(out);
      resolve({
        http,
        dataDir,
        proc,
        controlToken: readFileSync(join(dataDir, 'control-token'), 'utf8').trim(),
        adminWebhook: admin ? admin[1]!.replace(/^https:\/\/[^/]+/, http) : null,
        output: () => out,
        async stop(signal: NodeJS.Signals = 'SIGTERM') {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
          await exited;
        },
      });
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`serve exited (${code}) before it was ready:\n${out}`)));
  });
}

/** Starts `n` nodes (one after another: the first creates the portal) on a fresh schema and prefix. */
export async function startCluster(n: number, extra: string[] = []): Promise<TestCluster> {
  const tag = randomBytes(5).toString('hex');
  const schema = `imbot_cluster_${tag}`;
  const u = new URL(CLUSTER_PG);
  u.searchParams.set('options', `-c search_path=${schema} -c synchronous_commit=off`);
  const storeUrl = u.toString();
  const redis = await testRedis();
  const prefix = `imbot-test-${tag}:`;
  const dirs: string[] = [];
  const nodes: Node[] = [];
  let adminCode = '';
  const addNode = async (more: string[] = []) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'imbot-node-'));
    dirs.push(dataDir);
    const node = await spawnNode(['--data', dataDir, '--store', storeUrl, '--redis', redis, '--redis-prefix', prefix, '--port', '0', '--http-port', '0', '--log-level', 'error', ...extra, ...more]);
    if (node.adminWebhook) adminCode = /\/rest\/1\/([0-9a-z]+)$/.exec(node.adminWebhook)![1]!;
    nodes.push(node);
    return node;
  };
  try {
    for (let i = 0; i < n; i++) await addNode();
  } catch (err) {
    await Promise.allSettled(nodes.map((x) => x.stop('SIGKILL')));
    throw err;
  }
  return {
    storeUrl,
    redis,
    prefix,
    nodes,
    get adminCode() {
      return adminCode;
    },
    hook: (i) => `${nodes[i]!.http}/rest/1/${adminCode}`,
    addNode,
    async stop() {
      await Promise.allSettled(nodes.map((x) => x.stop('SIGKILL')));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: CLUSTER_PG });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
      const r = new Redis(redis, { lazyConnect: true });
      r.on('error', () => {});
      await r.connect();
      const keys = await r.keys(`${prefix}*`);
      if (keys.length) await r.del(...keys);
      r.disconnect();
    },
  };
}

/** A JSON POST to a REST method (form-free: a JSON body), answering the parsed envelope. */
export async function call(base: string, method: string, params: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(`${base}/${method}.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  return { status: res.status, ...(await res.json()) };
}

/** A control API call on a node. */
export async function control(node: Node, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${node.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${node.controlToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Polls `probe` until it answers truthy (a cross-node hint travels one pub/sub hop). */
export async function until<T>(probe: () => Promise<T>, what: string, tries = 400): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await probe();
    if (v) return v;
    if (i >= tries) assert.fail(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A bot's handler: records every POST (form body) in arrival order and answers it — held until
 * `release()` when `held` (a handler that hangs keeps its lane busy).
 */
export function receiver(held = false): Promise<{ url: string; got: URLSearchParams[]; ids: string[]; requests(): number; release(): void; close(): Promise<void> }> {
  let requests = 0;
  const got: URLSearchParams[] = [];
  const ids: string[] = [];
  let waiting: (() => void)[] | null = held ? [] : null;
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests++;
      const form = new URLSearchParams(body);
      // the bot's messages only (a first message to a bot also brings ONIMBOTJOINCHAT)
      if (form.get('event') === 'ONIMBOTMESSAGEADD') {
        got.push(form);
        ids.push(String(req.headers['x-imbot-event-id'] ?? ''));
      }
      if (waiting) waiting.push(() => res.end('ok'));
      else res.end('ok');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}/bot`,
        got,
        ids,
        requests: () => requests,
        release() {
          const w = waiting ?? [];
          waiting = null;
          for (const fn of w) fn();
        },
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      }),
    ),
  );
}

