import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Profile } from '../../src/context.js';
import { SERVED_SCOPES } from '../../src/auth/scopes.js';
import { addWebhook } from '../../src/auth/webhooks.js';
import { createUser, type NewUser } from '../../src/im/users.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/listen.js';
import pg from 'pg';

/**
 * The engine the suite runs on: SQLite in each portal's data dir, or, when IMBOT_TEST_STORE
 * names a PostgreSQL database (scripts/test-postgres.mjs sets it), a schema of its own per data
 * dir in that database, named after the dir (so a portal restarted on the same dir, or a CLI
 * command given that dir, finds the same store). The store creates a missing schema.
 */
const TEST_PG = process.env.IMBOT_TEST_STORE || '';
const SCHEMA_PREFIX = process.env.IMBOT_TEST_SCHEMA_PREFIX || 'imbot_test_';

function schemaFor(dataDir: string): string {
  return SCHEMA_PREFIX + createHash('sha1').update(dataDir).digest('hex').slice(0, 16);
}

/** The `--store` URL for a data dir (undefined on SQLite). */
export function testStoreUrl(dataDir: string): string | undefined {
  if (!TEST_PG) return undefined;
  const url = new URL(TEST_PG);
  // a test store need not survive a power cut: commits do not wait for the WAL flush
  url.searchParams.set('options', `-c search_path=${schemaFor(dataDir)} -c synchronous_commit=off`);
  return url.toString();
}

/** The environment for a CLI process working on `dataDir` (IMBOT_STORE on PostgreSQL). */
export function cliEnv(dataDir: string): NodeJS.ProcessEnv {
  const url = testStoreUrl(dataDir);
  return url ? { ...process.env, IMBOT_STORE: url } : { ...process.env };
}

/** `['--store', url]` for a CLI command on `dataDir` run in this process (none on SQLite). */
export function storeArgs(dataDir: string): string[] {
  const url = testStoreUrl(dataDir);
  return url ? ['--store', url] : [];
}

/** The environment for a CLI process whose arguments name `--data <dir>`. */
export function cliEnvOf(args: readonly string[]): NodeJS.ProcessEnv {
  const i = args.indexOf('--data');
  return i >= 0 && args[i + 1] ? cliEnv(args[i + 1]) : { ...process.env };
}

/** Removes a data dir and, on PostgreSQL, its schema. */
export async function removeTestData(dataDir: string): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  if (!TEST_PG) return;
  const client = new pg.Client({ connectionString: TEST_PG });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schemaFor(dataDir)}" cascade`);
  } finally {
    await client.end();
  }
}

export interface TestPortal {
  server: RunningServer;
  dataDir: string;
  /** plain-HTTP base, e.g. http://127.0.0.1:PORT */
  http: string;
  /** HTTPS base, e.g. https://127.0.0.1:PORT */
  https: string;
  /** admin (user 1) webhook code */
  adminCode: string;
  /** `${http}/rest/1/${adminCode}` */
  adminHook: string;
  stop(): Promise<void>;
}

/** A fresh portal in its own temp data dir on free ports; safe to run tests in parallel. */
export async function startPortal(
  opts: { profile?: Profile; dataDir?: string } & Partial<Omit<ServerOptions, 'dataDir' | 'profile' | 'port' | 'httpPort'>> = {},
): Promise<TestPortal> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'imbot-test-'));
  const server = await startServer({
    host: '127.0.0.1',
    logError: () => {},
    ...opts,
    dataDir,
    store: opts.store ?? testStoreUrl(dataDir),
    port: 0,
    httpPort: 0,
    profile: opts.profile ?? 'dev',
  });
  const adminCode = /\/rest\/1\/([^/]+)\//.exec(server.adminWebhookUrl)![1];
  return {
    server,
    dataDir,
    http: server.httpUrl,
    https: server.httpsUrl,
    adminCode,
    adminHook: `${server.httpUrl}/rest/1/${adminCode}`,
    async stop() {
      await server.close();
      await removeTestData(dataDir);
    },
  };
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
  text: string;
}

/** A raw HTTP call; the body is parsed as JSON when it is JSON. */
export async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, headers: res.headers, text };
}

/** POST a JSON body to `${base}/${method}`. */
export function callJson(base: string, method: string, params: Record<string, unknown> = {}): Promise<Answer> {
  return request(`${base}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
}

/** Asserts an error answer's code, text and status at once (the message shows all three). */
export function errorOf(a: Answer): { status: number; error: string; error_description: string } {
  return { status: a.status, error: a.body?.error, error_description: a.body?.error_description };
}

/** An expected error: HTTP status, `error` and `error_description`, exactly. */
export type Expected = [status: number, error: string, description: string];

export function assertError(a: Answer, [status, error, error_description]: Expected, label = ''): void {
  assert.deepEqual(errorOf(a), { status, error, error_description }, label);
}

/** Asserts a 200 answer and returns its `result`. */
export function assertResult(a: Answer, label = ''): any {
  assert.equal(a.status, 200, `${label}: ${a.text}`);
  return a.body.result;
}

/** A person with their own webhook (base URL `hook`, for `callJson(hook, method, …)`). */
export interface Person {
  id: number;
  hook: string;
}

/** Creates a person and a webhook for them the way the CLI does, on the portal's store. */
export async function addPerson(p: TestPortal, name: string, more: Omit<NewUser, 'name'> = {}): Promise<Person> {
  const db = p.server.core.store.db;
  const id = await createUser(db, p.server.clock, { name, ...more });
  const hook = await addWebhook(db, p.server.clock, { userId: id, scope: SERVED_SCOPES.join(',') });
  return { id, hook: `${p.http}/rest/${id}/${hook.code}` };
}

/** POST JSON over HTTPS trusting the portal's local CA (node's fetch cannot take a CA). */
export function httpsJson(url: string, params: Record<string, unknown>, ca: Buffer): Promise<Answer> {
  const body = JSON.stringify(params);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: new Headers(), text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Calls a method with browser-session auth (cookie PHPSESSID + `sessid` parameter) as `userId`. */
export async function sessionCall(p: TestPortal, method: string, params: Record<string, unknown>, userId = 1): Promise<Answer> {
  const s = await request(`${p.http}/__control/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
    body: JSON.stringify({ user_id: userId }),
  });
  assert.equal(s.status, 200, s.text);
  return request(`${p.http}/rest/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: `PHPSESSID=${s.body.PHPSESSID}` },
    body: JSON.stringify({ ...params, sessid: s.body.sessid }),
  });
}
