/**
 * `npm run bench:ops`: CPU time and SQL statements per call of the hot-path methods, measured in
 * one process with calls made one after another (no concurrency), so the figures move far less
 * from run to run than the autocannon rows of `npm run bench` on a shared machine. The client
 * runs in the same process, so the CPU figure includes its small, fixed share (a POST of a few
 * hundred bytes, the answer read but not parsed); compare rows of two trees, not with the bench's
 * server-only figures. Each row is the lowest of `--rounds` rounds of `--calls` calls.
 *
 * Statements are counted where the driver runs them: better-sqlite3's Statement (run/all/get/
 * iterate, which also covers BEGIN/COMMIT/SAVEPOINT) or pg's Client.query, so a statement
 * compiled once and one built by Kysely count alike. `--pg [url]` measures a PostgreSQL store
 * (default postgres://postgres@127.0.0.1:5432/test, a schema of its own, dropped afterwards).
 * `--direct` calls the pipeline in process (`callMethod`, no HTTP, no request log; the result is
 * still encoded as the JSON transport would), which leaves the method's own work and moves least.
 * `--trace` prints the SQL of one call of each. `--only <prefix>` measures the calls whose name starts with it; `--profile <file>` also records
 * a V8 CPU profile of the measured rounds (summarise it with `node dist/bench/profile.js
 * --summarise <file> <calls>`).
 */
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Session } from 'node:inspector/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { spliceResultBytes } from '../src/rest/encoded.js';
import { callMethod } from '../src/rest/pipeline.js';
import { phpJson } from '../src/util/php-json.js';
import { addPerson, callJson, startPortal, type TestPortal } from '../test/helpers/server.js';
import { fillV2Queue, registerV2FetchBot, seedPortal } from './seed.js';

const statements = { n: 0, trace: null as string[] | null };

/** Counts every statement the drivers run (their prototypes are shared by every connection). */
function countStatements(): void {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  for (const name of ['run', 'all', 'get', 'iterate']) {
    const original = proto[name]!;
    proto[name] = function (this: { source: string }, ...args: unknown[]) {
      statements.n++;
      statements.trace?.push(this.source);
      return original.apply(this, args);
    };
  }
  const clientProto = pg.Client.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const query = clientProto.query!;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    statements.n++;
    if (statements.trace) statements.trace.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
    return query.apply(this, args);
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** POSTs JSON and reads the answer as text (not parsed: the client's share stays small). */
function post(url: string, body: string): Promise<string> {
  if (direct) return direct(url, body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${url}: ${res.statusCode} ${text}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** With `--direct`: the call through `callMethod` instead of HTTP (a webhook URL's login and code). */
let direct: ((url: string, body: string) => Promise<string>) | null = null;

function directCaller(portal: TestPortal): (url: string, body: string) => Promise<string> {
  const core = portal.server.core;
  return async (url, body) => {
    const [, login, code, method] = /\/rest\/([^/]+)\/([^/]+)\/(.+)$/.exec(url)!;
    const out = await callMethod(core, { method: method!, params: JSON.parse(body), credentials: { webhook: { login: login!, code: code! }, token: null, session: null, secure: false } });
    // as the JSON transport would: the envelope around the encoded result (bytes when built as bytes)
    if (out.encoded) return (out.encoded.asBytes ? spliceResultBytes(out.encoded, {}).length : out.encoded.json.length) + String(out.encoded.plainBytes);
    return phpJson(out.result);
  };
}

interface Op {
  name: string;
  /** the URL and body of call number `i` */
  call: (i: number) => [string, string];
}

async function measure(op: Op, calls: number, rounds: number, session: Session | null): Promise<{ cpu: number; statements: number }> {
  let i = 0;
  for (let w = 0; w < Math.min(200, calls); w++) await post(...op.call(i++));
  if (session) await session.post('Profiler.start');
  let best = Infinity;
  let perCall = 0;
  for (let r = 0; r < rounds; r++) {
    const n0 = statements.n;
    const c0 = process.cpuUsage();
    for (let k = 0; k < calls; k++) await post(...op.call(i++));
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / calls);
    perCall = (statements.n - n0) / calls;
  }
  if (session) {
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: unknown };
    writeFileSync(process.argv[process.argv.indexOf('--profile') + 1]!, JSON.stringify(profile));
  }
  return { cpu: best, statements: perCall };
}

async function main(): Promise<void> {
  const arg = (name: string, dflt: number) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const calls = arg('--calls', 500);
  const rounds = arg('--rounds', 5);
  const pgAt = process.argv.indexOf('--pg');
  let store: string | undefined;
  let schema: string | undefined;
  let pgBase = '';
  if (pgAt > 0) {
    const url = process.argv[pgAt + 1]?.startsWith('postgres') ? process.argv[pgAt + 1]! : 'postgres://postgres@127.0.0.1:5432/test';
    schema = `bench_ops_${process.pid}`;
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    store = u.toString();
    pgBase = url;
  }
  countStatements();
  const portal: TestPortal = await startPortal({ profile: 'dev', ...(store ? { store } : {}) });
  try {
    const db = portal.server.core.store.db;
    const hook = portal.adminHook;
    const reg = await callJson(hook, 'imbot.register', { CODE: 'bench', EVENT_HANDLER: 'http://127.0.0.1:9/handler', CLIENT_ID: 'bench', PROPERTIES: { NAME: 'Bench' } });
    if (typeof reg.body?.result !== 'number') throw new Error(`cannot register the bench bot: ${reg.text}`);
    await seedPortal(db, { people: 200, bots: 50 });
    const bot = await registerV2FetchBot(hook, 'bench_v2');
    const person = await addPerson(portal, 'Bench Person');
    await fillV2Queue(db, hook, person.hook, bot, 100);
    const gate = { botId: bot.botId, botToken: bot.botToken };
    if (process.argv.includes('--direct')) direct = directCaller(portal);
    // people to open new dialogs with: user 1 writes to each once (im.message.add to a new dialog)
    const fresh: number[] = [];
    for (let k = 0; k <= 200 + calls * rounds; k++) fresh.push((await addPerson(portal, `Fresh ${k}`)).id);
    const fixed = (url: string, body: unknown): Op['call'] => {
      const text = JSON.stringify(body);
      return () => [url, text];
    };
    const ops: Op[] = [
      { name: 'imbot.bot.list', call: fixed(`${hook}/imbot.bot.list`, {}) },
      { name: 'imbot.v2.Event.get (100 events)', call: fixed(`${hook}/imbot.v2.Event.get`, gate) },
      { name: 'imbot.message.add', call: fixed(`${hook}/imbot.message.add`, { CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' }) },
      { name: 'imbot.v2.Chat.Message.send', call: fixed(`${hook}/imbot.v2.Chat.Message.send`, { ...gate, dialogId: String(person.id), fields: { message: 'Hello from the benchmark' } }) },
      { name: 'im.message.add (same dialog)', call: fixed(`${hook}/im.message.add`, { DIALOG_ID: String(person.id), MESSAGE: 'Hello again' }) },
      { name: 'im.message.add (new dialog)', call: (i) => [`${hook}/im.message.add`, JSON.stringify({ DIALOG_ID: String(fresh[i]), MESSAGE: 'Hello, new dialog' })] },
    ];
    const only = process.argv.indexOf('--only');
    let session: Session | null = null;
    if (process.argv.includes('--profile')) {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
    }
    const lines = ['| Call | CPU µs per call (lowest round) | statements per call |', '|---|---:|---:|'];
    for (const op of ops) {
      if (only > 0 && !op.name.startsWith(process.argv[only + 1]!)) continue;
      const m = await measure(op, calls, rounds, session);
      if (process.argv.includes('--trace')) {
        statements.trace = [];
        await post(...op.call(calls * rounds + 200));
        console.log(`${op.name}:\n  ${statements.trace.join('\n  ')}`);
        statements.trace = null;
      }
      lines.push(`| ${op.name} | ${m.cpu.toFixed(1)} | ${m.statements.toFixed(1)} |`);
    }
    console.log(`${store ? 'PostgreSQL' : 'SQLite'}${direct ? ', in process (callMethod)' : ', over HTTP'}, ${calls} calls × ${rounds} rounds\n\n${lines.join('\n')}`);
  } finally {
    await portal.stop();
    agent.destroy();
    if (schema) {
      const client = new pg.Client({ connectionString: pgBase });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}

await main();
