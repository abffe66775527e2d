/**
 * `npm run bench`: throughput and p99 latency of imbot.bot.list, imbot.message.add, the
 * register→unregister cycle, imbot.v2.Event.get (a queue of 1,000 events) and
 * imbot.v2.Chat.Message.send, each as a ratio against a bare node:http server measured in the same
 * run. Prints a Markdown table and rewrites the generated section of BENCHMARKS.md.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { addPerson, callJson, startPortal, type TestPortal } from '../test/helpers/server.js';
import { startBare } from './cannon.js';
import type { Job, Measurement } from './load.js';
import { fillV2Queue, maxMessageId, messageCount, registerV2FetchBot, seedMessagesUpTo, seedPortal, trimMessagesAfter } from './seed.js';

const CONNECTIONS = 10;
/** the issue's write-load shape: imbot.message.add with 32 connections */
const MANY = 32;
const SECONDS = 5;
const WARMUP_SECONDS = 1;
const CYCLE_MAX = 2000;
const CYCLE_SECONDS = 4;
const CYCLE_WARMUP = 300;
const SMALL = 1_000;
const LARGE = 100_000;
/** events in the v2 fetch bot's queue while Event.get is measured (issue 7) */
const QUEUED = 1_000;
/** Targets from the issue. */
const MIN_RATIO = 0.5;
/** imbot.message.add at MANY connections: rate ratio and p99 */
const MIN_ADD_RATIO = 0.25;
const MAX_ADD_P99_MS = 5;
/** imbot.v2.Event.get: server CPU per event returned, µs */
const MAX_EVENT_CPU_US = 3;
/** imbot.v2.Chat.Message.send: server CPU per op within this factor of imbot.message.add's */
const MAX_SEND_FACTOR = 1.2;
/** cycles/s at LARGE over cycles/s at SMALL; "≈ 1" with this machine's noise */
const MIN_SCALING = 0.8;

/**
 * Runs one job in a fresh load-generator process, killed if it overruns its bound. The CPU time
 * this process spends meanwhile is the servers' (the client runs elsewhere).
 */
function run(job: Job): Promise<Measurement> {
  const limitMs = ((job.kind === 'cannon' ? job.seconds : job.maxSeconds) + 30) * 1000;
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./load.js', import.meta.url)), { stdio: 'inherit' });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`bench job overran: ${JSON.stringify(job)}`));
    }, limitMs);
    let cpu0: NodeJS.CpuUsage;
    child.once('spawn', () => {
      cpu0 = process.cpuUsage();
      child.send(job);
    });
    child.once('message', (m: Measurement) => {
      const cpu = process.cpuUsage(cpu0);
      clearTimeout(timer);
      resolve({ ...m, cpuPerOp: (cpu.user + cpu.system) / Math.max(1, m.count) });
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    child.once('error', fail);
    child.once('exit', (code) => code !== 0 && fail(new Error(`load generator exited with ${code}`)));
  });
}

/** A fixed-duration autocannon run after a short discarded warm-up. */
async function cannon(url: string, body: unknown = {}, connections = CONNECTIONS): Promise<Measurement> {
  const job = { kind: 'cannon' as const, url, body: body === null ? null : JSON.stringify(body), connections };
  await run({ ...job, seconds: WARMUP_SECONDS });
  return run({ ...job, seconds: SECONDS });
}

let cycleRuns = 0;
/** A bounded sequential chain loop (one keep-alive connection) after a short discarded warm-up. */
async function cycles(mode: 'portal' | 'bare', base: string, steps: 2 | 3): Promise<Measurement> {
  const job = { kind: 'cycle' as const, mode, base, steps, clientId: 'bench-cycle', maxSeconds: CYCLE_SECONDS };
  await run({ ...job, codePrefix: `warm${++cycleRuns}`, maxCycles: CYCLE_WARMUP });
  return run({ ...job, codePrefix: `cycle${++cycleRuns}`, maxCycles: CYCLE_MAX });
}

interface Row {
  scenario: string;
  /** messages in the store while measuring */
  stored: string;
  m: Measurement;
  unit: 'req/s' | 'cycles/s';
  /** the bare server under the same shape of load, before and after the targets */
  bare?: [Measurement, Measurement];
  /** minimum rate ratio against the bare server */
  target?: number;
  /** maximum p99, ms */
  maxP99?: number;
}

const meanRate = (ms: Measurement[]) => ms.reduce((n, m) => n + m.perSecond, 0) / ms.length;
const meanCpu = (ms: Measurement[]) => ms.reduce((n, m) => n + (m.cpuPerOp ?? NaN), 0) / ms.length;
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '—');
/** autocannon records latency in whole milliseconds */
const ms = (n: number) => (n === 0 ? '< 1' : fmt(n, 1));
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

/** A target checked on figures of the rows (not a load run of its own). */
interface Check {
  name: string;
  stored: string;
  value: string;
  target: string;
  pass: boolean;
}

function table(rows: Row[], scaling: { name: string; value: number }[], checks: Check[] = []): string {
  const lines = [
    '| Scenario | Stored messages | Rate | p99 (ms) | Server CPU per op (µs) | Bare rate, same load | Rate ratio | CPU ratio | Target | Result |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  for (const r of rows) {
    const bareRate = r.bare ? meanRate(r.bare) : NaN;
    const ratio = r.m.perSecond / bareRate;
    lines.push(
      [
        r.scenario,
        r.stored,
        `${fmt(r.m.perSecond)} ${r.unit}`,
        ms(r.m.p99),
        fmt(r.m.cpuPerOp ?? NaN),
        r.bare ? `${fmt(bareRate)} ${r.unit}` : '—',
        r.bare ? fmt(ratio, 3) : '—',
        r.bare ? fmt(meanCpu(r.bare) / (r.m.cpuPerOp ?? NaN), 3) : '—',
        r.target === undefined ? '' : `rate ratio ≥ ${r.target}${r.maxP99 === undefined ? '' : `, p99 ≤ ${r.maxP99} ms`}`,
        r.target === undefined ? '' : verdict(ratio >= r.target && (r.maxP99 === undefined || r.m.p99 <= r.maxP99)),
      ].join(' | ').replace(/^/, '| ') + ' |',
    );
  }
  for (const s of scaling) {
    lines.push(`| ${s.name} | ${fmt(LARGE)} vs ${fmt(SMALL)} | — | — | — | — | ${fmt(s.value, 2)} | — | ≥ ${MIN_SCALING} (≈ 1) | ${verdict(s.value >= MIN_SCALING)} |`);
  }
  for (const c of checks) lines.push(`| ${c.name} | ${c.stored} | — | — | ${c.value} | — | — | — | ${c.target} | ${verdict(c.pass)} |`);
  return lines.join('\n');
}

const BEGIN = '<!-- bench:begin (generated by `npm run bench`; everything between these markers is rewritten) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated section of BENCHMARKS.md, keeping the hand-written text around it. */
function writeReport(section: string): void {
  const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  const generated = `${BEGIN}\n${section}\n${END}`;
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const [b, e] = [old.indexOf(BEGIN), old.indexOf(END)];
  const next = b >= 0 && e > b ? old.slice(0, b) + generated + old.slice(e + END.length) : `# Benchmarks\n\n${generated}\n${old}`;
  writeFileSync(path, next);
}

function log(msg: string): void {
  console.error(`[bench] ${msg}`);
}

async function registerBenchBot(hook: string): Promise<void> {
  const reg = await callJson(hook, 'imbot.register', {
    CODE: 'bench',
    EVENT_HANDLER: 'http://127.0.0.1:9/handler',
    CLIENT_ID: 'bench',
    PROPERTIES: { NAME: 'Bench' },
  });
  if (typeof reg.body?.result !== 'number') throw new Error(`cannot register the bench bot: ${reg.text}`);
}

/** An autocannon row without its baseline yet (the bare runs before and after are added later). */
type Measured = Pick<Row, 'scenario' | 'stored' | 'm'>;

/**
 * Issue 7's rows: a fetch-mode v2 bot (`imbot.v2.Bot.register`, botToken) whose queue a person
 * fills with QUEUED messages through REST; `Event.get` read again and again without advancing
 * `offset`, so every call sees the same QUEUED events (the default limit of 100, then 1000); then
 * `Chat.Message.send` from the bot to that person.
 */
async function measureV2(portal: TestPortal): Promise<Measured[]> {
  const db = portal.server.core.store.db;
  const hook = portal.adminHook;
  const bot = await registerV2FetchBot(hook, 'bench_v2');
  const person = await addPerson(portal, 'Bench Person');
  const queued = await fillV2Queue(db, hook, person.hook, bot, QUEUED);
  const gate = { botId: bot.botId, botToken: bot.botToken };
  const storedGet = fmt(await messageCount(db));
  const get100 = await cannon(`${hook}/imbot.v2.Event.get`, gate);
  const get1000 = await cannon(`${hook}/imbot.v2.Event.get`, { ...gate, limit: 1000 });
  const storedSend = fmt(await messageCount(db));
  const send = await cannon(`${hook}/imbot.v2.Chat.Message.send`, { ...gate, dialogId: String(person.id), fields: { message: 'Hello from the benchmark' } });
  return [
    { scenario: `imbot.v2.Event.get, ${fmt(queued)} queued events, default limit (100 per answer)`, stored: storedGet, m: get100 },
    { scenario: `imbot.v2.Event.get, ${fmt(queued)} queued events, limit=1000`, stored: storedGet, m: get1000 },
    { scenario: 'imbot.v2.Chat.Message.send (bot → person)', stored: `${storedSend}, growing`, m: send },
  ];
}

/** Where the PostgreSQL rows run: IMBOT_BENCH_PG, else the CI machines' local server, if it answers. */
const BENCH_PG = process.env.IMBOT_BENCH_PG || 'postgres://postgres@127.0.0.1:5432/test';

async function pgAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The same bot.list, message.add and chain rows on a portal whose store is PostgreSQL (a schema of
 * its own, dropped afterwards), seeded alike. Skipped, with a note, when no PostgreSQL answers.
 */
async function measurePostgres(): Promise<{ list: Measurement; add: Measurement; addMany: Measurement; chains: Measurement[]; v2: Measured[] } | null> {
  if (!(await pgAnswers(BENCH_PG))) {
    log(`no PostgreSQL at ${BENCH_PG.replace(/\/\/[^@/]*@/, '//…@')} (set IMBOT_BENCH_PG): PostgreSQL rows skipped`);
    return null;
  }
  const schema = `imbot_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(BENCH_PG);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const portal = await startPortal({ profile: 'dev', store: url.toString() });
  try {
    const db = portal.server.core.store.db;
    await registerBenchBot(portal.adminHook);
    const chats = await seedPortal(db, { people: 200, bots: 50 });
    await seedMessagesUpTo(db, chats, SMALL);
    const list = await cannon(`${portal.adminHook}/imbot.bot.list`);
    const add = await cannon(`${portal.adminHook}/imbot.message.add`, { CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' });
    const addMany = await cannon(`${portal.adminHook}/imbot.message.add`, { CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' }, MANY);
    const chains = [await cycles('portal', portal.adminHook, 2), await cycles('portal', portal.adminHook, 3)];
    const v2 = await measureV2(portal);
    return { list, add, addMany, chains, v2 };
  } finally {
    await portal.stop();
    const client = new pg.Client({ connectionString: BENCH_PG });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`).finally(() => client.end());
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const bare = await startBare();
  const portal = await startPortal({ profile: 'dev' });
  const db = portal.server.core.store.db;
  const hook = portal.adminHook;
  try {
    await registerBenchBot(hook);
    const chats = await seedPortal(db, { people: 200, bots: 50 });
    const small = await seedMessagesUpTo(db, chats, SMALL);
    const smallLastId = await maxMessageId(db);
    log(`seeded 200 people, 50 bots, ${chats.length} chats, ${small} messages`);

    const bareBefore = [await cannon(bare.url), await cycles('bare', bare.url, 2), await cycles('bare', bare.url, 3), await cannon(bare.url, {}, MANY)];
    log('bare server (before) done');
    const floor = await cannon(`${portal.http}/`, null);
    const list = await cannon(`${hook}/imbot.bot.list`);
    const add = await cannon(`${hook}/imbot.message.add`, { CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' });
    const addMany = await cannon(`${hook}/imbot.message.add`, { CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' }, MANY);
    log(`bot.list and message.add done (${await messageCount(db)} messages now)`);
    const v2 = await measureV2(portal);
    log(`imbot.v2 rows done (${await messageCount(db)} messages now)`);
    // A B B A over the store size, so that drift and warm-up cancel out in the scaling ratio.
    const chainPair = async () => [await cycles('portal', hook, 2), await cycles('portal', hook, 3)];
    const smallA = await trimMessagesAfter(db, smallLastId).then(chainPair);
    const large = await seedMessagesUpTo(db, chats, LARGE);
    const largeA = await chainPair();
    const largeB = await chainPair();
    const smallAgain = await trimMessagesAfter(db, smallLastId);
    const smallB = await chainPair();
    log(`chains at ${small}, ${large}, ${large}, ${smallAgain} messages done`);
    const onPg = await measurePostgres();
    if (onPg) log('PostgreSQL rows done');
    const bareAfter = [await cannon(bare.url), await cycles('bare', bare.url, 2), await cycles('bare', bare.url, 3), await cannon(bare.url, {}, MANY)];
    log('bare server (after) done');

    const pgMeasured = onPg ? [onPg.list, onPg.add, onPg.addMany, ...onPg.chains, ...onPg.v2.map((r) => r.m)] : [];
    const all = [...bareBefore, ...bareAfter, ...smallA, ...largeA, ...largeB, ...smallB, floor, list, add, addMany, ...v2.map((r) => r.m), ...pgMeasured];
    const failures = all.reduce((n, m) => n + m.failures, 0);
    const bareOf = (i: number): [Measurement, Measurement] => [bareBefore[i], bareAfter[i]];
    const chains = ['register→unregister', 'register→message.add→unregister'];
    const rows: Row[] = [
      { scenario: 'bare node:http (before)', stored: '—', m: bareBefore[0], unit: 'req/s' },
      { scenario: 'bare node:http (after)', stored: '—', m: bareAfter[0], unit: 'req/s' },
      { scenario: 'portal HTTP floor: GET / (fastify, no REST call)', stored: '—', m: floor, unit: 'req/s', bare: bareOf(0) },
      { scenario: 'imbot.bot.list (51 bots)', stored: fmt(small), m: list, unit: 'req/s', bare: bareOf(0), target: MIN_RATIO },
      { scenario: `imbot.message.add, ${CONNECTIONS} connections`, stored: `${fmt(small)}, growing`, m: add, unit: 'req/s', bare: bareOf(0) },
      { scenario: `imbot.message.add, ${MANY} connections`, stored: 'growing', m: addMany, unit: 'req/s', bare: bareOf(3), target: MIN_ADD_RATIO, maxP99: MAX_ADD_P99_MS },
      ...v2.map((r): Row => ({ ...r, unit: 'req/s', bare: bareOf(0) })),
      ...chains.flatMap((name, i): Row[] => [
        { scenario: `${name} (1st)`, stored: fmt(small), m: smallA[i], unit: 'cycles/s', bare: bareOf(i + 1) },
        { scenario: `${name} (1st)`, stored: fmt(large), m: largeA[i], unit: 'cycles/s', bare: bareOf(i + 1) },
        { scenario: `${name} (2nd)`, stored: fmt(large), m: largeB[i], unit: 'cycles/s', bare: bareOf(i + 1) },
        { scenario: `${name} (2nd)`, stored: fmt(smallAgain), m: smallB[i], unit: 'cycles/s', bare: bareOf(i + 1) },
      ]),
    ];
    if (onPg) {
      rows.push(
        { scenario: 'PostgreSQL: imbot.bot.list (51 bots)', stored: fmt(small), m: onPg.list, unit: 'req/s', bare: bareOf(0) },
        { scenario: `PostgreSQL: imbot.message.add, ${CONNECTIONS} connections`, stored: `${fmt(small)}, growing`, m: onPg.add, unit: 'req/s', bare: bareOf(0) },
        { scenario: `PostgreSQL: imbot.message.add, ${MANY} connections`, stored: 'growing', m: onPg.addMany, unit: 'req/s', bare: bareOf(3) },
        ...chains.map((name, i): Row => ({ scenario: `PostgreSQL: ${name}`, stored: fmt(small), m: onPg.chains[i], unit: 'cycles/s', bare: bareOf(i + 1) })),
        ...onPg.v2.map((r): Row => ({ ...r, scenario: `PostgreSQL: ${r.scenario}`, unit: 'req/s', bare: bareOf(0) })),
      );
    }
    const scaling = chains.map((name, i) => ({
      name: `unregister scaling: ${name}`,
      value: meanRate([largeA[i], largeB[i]]) / meanRate([smallA[i], smallB[i]]),
    }));
    const [get100, get1000, send] = v2.map((r) => r.m);
    const perEvent = (m: Measurement, n: number) => (m.cpuPerOp ?? NaN) / n;
    const checks: Check[] = [
      ...([[get100, 100], [get1000, 1000]] as const).map(([m, n]): Check => ({
        name: `imbot.v2.Event.get, server CPU per event returned (${n} per answer)`,
        stored: v2[0].stored,
        value: `${fmt(perEvent(m, n), 1)} per event`,
        target: `≤ ${MAX_EVENT_CPU_US} µs`,
        pass: perEvent(m, n) <= MAX_EVENT_CPU_US,
      })),
      {
        name: `imbot.v2.Chat.Message.send ÷ imbot.message.add, server CPU per op (${CONNECTIONS} connections)`,
        stored: '—',
        value: fmt((send.cpuPerOp ?? NaN) / (add.cpuPerOp ?? NaN), 2),
        target: `≤ ${MAX_SEND_FACTOR}`,
        pass: (send.cpuPerOp ?? NaN) <= MAX_SEND_FACTOR * (add.cpuPerOp ?? NaN),
      },
    ];
    const cpu = cpus();
    const section = [
      `Last run: ${new Date().toISOString()} — ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${process.platform}/${process.arch}; ` +
        `autocannon: ${CONNECTIONS} connections (${MANY} where the row says so) × ${SECONDS} s (after a ${WARMUP_SECONDS} s warm-up); chains: one keep-alive connection, ` +
        `≤ ${CYCLE_MAX} chains or ${CYCLE_SECONDS} s (after ${CYCLE_WARMUP}); whole run ${fmt((Date.now() - t0) / 1000)} s; failed requests: ${failures}.`,
      '',
      table(rows, scaling, checks),
    ].join('\n');
    console.log(section);
    writeReport(section);
    if (failures > 0) {
      console.error(`${failures} requests failed; the numbers above are not valid`);
      process.exitCode = 1;
    }
  } finally {
    await portal.stop();
    await new Promise((resolve) => bare.server.close(resolve));
  }
}

const HUGE = 1_000_000;
/** RSS of the server process with HUGE messages stored, MB */
const MAX_RSS_MB = 200;
const SCALE_BEGIN = '<!-- scale-bench:begin (generated by `npm run bench:scale`; rewritten on every run) -->';
const SCALE_END = '<!-- scale-bench:end -->';

/**
 * What the process's resident memory consists of (Linux: /proc/self/smaps), MB: pages of the
 * SQLite database file mapped into memory (`mmap_size`) and its WAL index, the V8 heap, memory
 * V8 counts outside its heap (Buffers), and the rest (native allocations: SQLite's page cache,
 * Node's own, code). Null where /proc is not there.
 */
function rssBreakdown(): { mapped: number; heap: number; external: number; other: number } | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
  let mappedKb = 0;
  let inDbFile = false;
  for (const line of text.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inDbFile = /imbot\.db(-shm)?$/.test(line.trim());
    else if (inDbFile && line.startsWith('Rss:')) mappedKb += Number(line.split(/\s+/)[1]);
  }
  const m = process.memoryUsage();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  const mapped = mappedKb / 1024;
  return { mapped, heap: mb(m.heapTotal), external: mb(m.external), other: mb(m.rss) - mapped - mb(m.heapTotal) - mb(m.external) };
}

/**
 * `npm run bench:scale`: the portal's memory with 1,000,000 stored messages, and the cost of
 * register→unregister at 1,000 and at 1,000,000 (in the order 1k, 1M, 1M, 1k, as the main run
 * does at 100k). Takes minutes (seeding a million rows), so it is a run of its own.
 */
async function scaleMain(): Promise<void> {
  const t0 = Date.now();
  const bare = await startBare();
  const portal = await startPortal({ profile: 'dev' });
  const db = portal.server.core.store.db;
  const hook = portal.adminHook;
  const rssMb = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().rss / 1024 / 1024;
  };
  try {
    await registerBenchBot(hook);
    const chats = await seedPortal(db, { people: 200, bots: 50 });
    const small = await seedMessagesUpTo(db, chats, SMALL);
    const smallLastId = await maxMessageId(db);
    const bareChain = await cycles('bare', bare.url, 2);
    const smallA = await cycles('portal', hook, 2);
    const rssSmall = rssMb();
    const huge = await seedMessagesUpTo(db, chats, HUGE);
    log(`seeded ${huge} messages`);
    // a few calls that read and write the big tables, so what they touch is resident
    await cannon(`${hook}/imbot.message.add`, { CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' });
    const hugeA = await cycles('portal', hook, 2);
    const hugeB = await cycles('portal', hook, 2);
    const rssHuge = rssMb();
    const parts = rssBreakdown();
    await trimMessagesAfter(db, smallLastId);
    const smallB = await cycles('portal', hook, 2);
    const failures = [bareChain, smallA, hugeA, hugeB, smallB].reduce((n, m) => n + m.failures, 0);
    const scaling = meanRate([hugeA, hugeB]) / meanRate([smallA, smallB]);
    const cpu = cpus();
    const section = [
      `Last run: ${new Date().toISOString()} — ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}; chains as in the main run; whole run ${fmt((Date.now() - t0) / 1000)} s; failed requests: ${failures}.`,
      '',
      '| Scenario | Stored messages | Value | Target | Result |',
      '|---|---:|---:|---|---|',
      `| server process RSS (after a GC) | ${fmt(small)} | ${fmt(rssSmall)} MB | | |`,
      `| server process RSS (after a GC) | ${fmt(huge)} | ${fmt(rssHuge)} MB | < ${MAX_RSS_MB} MB | ${verdict(rssHuge < MAX_RSS_MB)} |`,
      ...(parts
        ? [
            `| of which: database file pages mapped (mmap_size), V8 heap, Buffers, the rest (SQLite page cache, Node, code) | ${fmt(huge)} | ${fmt(parts.mapped)}, ${fmt(parts.heap)}, ${fmt(parts.external)}, ${fmt(parts.other)} MB | | |`,
          ]
        : []),
      `| register→unregister, cycles/s (1st, 2nd) | ${fmt(small)} | ${fmt(smallA.perSecond)}, ${fmt(smallB.perSecond)} (${fmt(meanCpu([smallA, smallB]))} µs server CPU) | | |`,
      `| register→unregister, cycles/s (1st, 2nd) | ${fmt(huge)} | ${fmt(hugeA.perSecond)}, ${fmt(hugeB.perSecond)} (${fmt(meanCpu([hugeA, hugeB]))} µs server CPU) | | |`,
      `| unregister scaling: cycles/s at ${fmt(huge)} ÷ at ${fmt(small)} | — | ${fmt(scaling, 2)} | ≥ ${MIN_SCALING} (≈ 1) | ${verdict(scaling >= MIN_SCALING)} |`,
    ].join('\n');
    console.log(section);
    const path = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
    const old = readFileSync(path, 'utf8');
    const [b, e] = [old.indexOf(SCALE_BEGIN), old.indexOf(SCALE_END)];
    if (b >= 0 && e > b) writeFileSync(path, old.slice(0, b) + `${SCALE_BEGIN}\n${section}\n${SCALE_END}` + old.slice(e + SCALE_END.length));
    if (failures > 0) process.exitCode = 1;
  } finally {
    await portal.stop();
    await new Promise((resolve) => bare.server.close(resolve));
  }
}

if (process.argv.includes('--scale')) await scaleMain();
else await main();
