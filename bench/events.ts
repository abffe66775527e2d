/**
 * `npm run bench:events`: bot-event delivery on loopback. Events are committed by the portal's
 * own outbox API (one event per transaction, as a REST call would) and received by a minimal
 * node:http handler in a child process; latency runs from just before the commit to receipt.
 * Also measures REST throughput (im.message.add) with and without events flowing. Rewrites the
 * events section of BENCHMARKS.md (its own markers; the `npm run bench` section is left alone).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SERVED_SCOPES } from '../src/auth/scopes.js';
import { addWebhook } from '../src/auth/webhooks.js';
import type { DomainCtx } from '../src/context.js';
import { emitBotEvents } from '../src/events/emit.js';
import { createUser } from '../src/im/users.js';
import { callJson, startPortal } from '../test/helpers/server.js';
import type { CannonJob, Measurement } from './load.js';
import { eventPublisher } from '../src/events/publisher.js';

const APPS = 4;
const LATENCY_EVENTS = 2000;
const THROUGHPUT_EVENTS = 10_000;
const REST_SECONDS = 5;
const BACKGROUND_RATE = 1000; // events/s while measuring REST throughput
const TARGET_P50_MS = 10;
const TARGET_RATE = 2000;
const MAX_SLOWDOWN = 0.2;
const CPU_SECONDS = 4;

const now = () => performance.timeOrigin + performance.now();

function ask<T>(child: ChildProcess, msg: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: any) => {
      if (key in m) {
        child.off('message', on);
        resolve(m[key]);
      }
    };
    child.on('message', on);
    child.send(msg);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const receiver = fork(fileURLToPath(import.meta.url), ['receiver'], { stdio: 'inherit' });
  const port = await ask<number>(receiver, {}, 'port');
  const p = await startPortal();
  const db = p.server.core.store.db;
  const ctx: DomainCtx = { db, clock: p.server.clock, portal: p.server.core.portal, profile: 'dev', events: eventPublisher, cache: p.server.core.store.cache };
  const handler = `http://127.0.0.1:${port}/h`;
  const bots: number[] = [];
  for (let i = 0; i < APPS; i++) {
    const a = await callJson(p.adminHook, 'imbot.register', {
      CODE: `bench${i}`, CLIENT_ID: `app${i}`, EVENT_MESSAGE_ADD: handler, EVENT_WELCOME_MESSAGE: handler, EVENT_BOT_DELETE: handler, PROPERTIES: { NAME: 'Bench' },
    });
    bots.push(a.body.result);
  }
  const person = await createUser(db, p.server.clock, { name: 'Bench', lastName: 'Person' });

  let seq = 0;
  let committedTotal = 0;
  const sentSoFar = async () => committedTotal;
  /** Commits one ONIMBOTMESSAGEADD (a typical private-message payload) in its own transaction. */
  const commitOne = async (apps: number) => {
    const botId = bots[seq++ % apps]!;
    const params = { MESSAGE: 'hello', MESSAGE_TYPE: 'P', FROM_USER_ID: person, TO_USER_ID: botId, DIALOG_ID: person, MESSAGE_ID: seq, CHAT_TYPE: 'P', LANGUAGE: 'en', T0: now() };
    await db.transaction().execute((trx) => emitBotEvents({ ...ctx, db: trx }, [{ event: 'ONIMBOTMESSAGEADD', botIds: [botId], userId: person, params }]));
    committedTotal++;
  };
  const received = () => ask<number>(receiver, { count: true }, 'count');
  /** The latencies received so far; the receiver and the commit count start again from zero. */
  const take = () => {
    committedTotal = 0;
    return ask<number[]>(receiver, { take: true }, 'latencies');
  };
  const drain = async (n: number) => {
    while ((await received()) < n) await sleep(2);
  };

  // 1. Latency at a moderate pace (no backlog): one event every 2 ms.
  for (let i = 0; i < LATENCY_EVENTS; i++) {
    await commitOne(APPS);
    await sleep(2);
  }
  await drain(LATENCY_EVENTS);
  const lat = (await take()).sort((a, b) => a - b);

  // 2. Throughput: commit as fast as possible, until the last one is received.
  const throughput = async (apps: number) => {
    const t0 = performance.now();
    for (let i = 0; i < THROUGHPUT_EVENTS; i++) await commitOne(apps);
    const committedIn = (performance.now() - t0) / 1000;
    await drain(THROUGHPUT_EVENTS);
    const seconds = (performance.now() - t0) / 1000;
    const l = (await take()).sort((a, b) => a - b);
    return { rate: THROUGHPUT_EVENTS / seconds, commitRate: THROUGHPUT_EVENTS / committedIn, p50: percentile(l, 50), p99: percentile(l, 99) };
  };
  const many = await throughput(APPS);
  const one = await throughput(1);

  // 3. REST throughput (im.message.add person → person) without and with events flowing.
  const other = await createUser(db, p.server.clock, { name: 'Other' });
  const hook = await addWebhook(db, p.server.clock, { userId: person, scope: SERVED_SCOPES.join(',') });
  const job: CannonJob = {
    kind: 'cannon',
    url: `${p.http}/rest/${person}/${hook.code}/im.message.add.json`,
    body: JSON.stringify({ DIALOG_ID: other, MESSAGE: 'load' }),
    connections: 10,
    seconds: REST_SECONDS,
  };
  await cannon({ ...job, seconds: 1 }); // warm-up
  /** Commits BACKGROUND_RATE events/s in this process until `running` settles; how many. */
  const commitPaced = async (running: Promise<unknown>) => {
    let flowing = true;
    void running.then(() => (flowing = false));
    let sent = 0;
    const t0 = performance.now();
    while (flowing) {
      const due = Math.floor(((performance.now() - t0) / 1000) * BACKGROUND_RATE);
      while (sent < due && flowing) {
        await commitOne(APPS);
        sent++;
      }
      await sleep(5);
    }
    return sent;
  };
  /** REST load, alone or while events are committed (and delivered unless the worker is stopped). */
  const rest = async (events: 'none' | 'delivered' | 'committed'): Promise<RestRun> => {
    if (events === 'committed') await p.server.events.stop();
    const run = cannon(job);
    const sent = events === 'none' ? 0 : await commitPaced(run);
    const m = await run;
    if (events === 'committed') p.server.events.start(); // the backlog is sent now, between runs
    if (events !== 'none') await drain(await sentSoFar());
    return { ...m, sent };
  };
  // Interleaved (A B C C B A), so drift on this shared machine falls on every mode alike.
  const runs: Record<'none' | 'delivered' | 'committed', RestRun[]> = { none: [], delivered: [], committed: [] };
  for (const mode of ['none', 'delivered', 'committed', 'committed', 'delivered', 'none'] as const) runs[mode].push(await rest(mode));
  await take();

  // 4. Server CPU per event at the same rate without REST load: committing alone, and committing
  // and delivering (interleaved the same way).
  const paced = async (deliver: boolean) => {
    if (!deliver) await p.server.events.stop();
    const cpu0 = process.cpuUsage();
    const sent = await commitPaced(sleep(CPU_SECONDS * 1000));
    if (deliver) await drain(await sentSoFar());
    const cpu = process.cpuUsage(cpu0);
    if (!deliver) p.server.events.start();
    await drain(await sentSoFar());
    return (cpu.user + cpu.system) / sent;
  };
  const cpuPerEvent = { committed: [] as number[], delivered: [] as number[] };
  for (const deliver of [true, false, false, true]) cpuPerEvent[deliver ? 'delivered' : 'committed'].push(await paced(deliver));
  await take();

  await p.stop();
  receiver.kill();
  report({ lat, many, one, runs, cpuPerEvent });
}

/** A load run in its own process; `cpu` is this (the server's) process's CPU time meanwhile, µs. */
function cannon(job: CannonJob): Promise<Measurement & { cpu: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./load.js', import.meta.url)), { stdio: 'inherit' });
    let cpu0: NodeJS.CpuUsage;
    child.once('spawn', () => {
      cpu0 = process.cpuUsage();
      child.send(job);
    });
    child.once('message', (m: Measurement) => {
      const cpu = process.cpuUsage(cpu0);
      resolve({ ...m, cpu: cpu.user + cpu.system });
    });
    child.once('error', reject);
  });
}

type RestRun = Measurement & { cpu: number; sent: number };

interface Results {
  lat: number[];
  many: { rate: number; commitRate: number; p50: number; p99: number };
  one: { rate: number; commitRate: number; p50: number; p99: number };
  runs: Record<'none' | 'delivered' | 'committed', RestRun[]>;
  cpuPerEvent: { committed: number[]; delivered: number[] };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function report(r: Results): void {
  const ms = (v: number) => v.toFixed(2);
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const p50 = percentile(r.lat, 50);
  const rate = (k: keyof Results['runs']) => mean(r.runs[k].map((m) => m.perSecond));
  const each = (k: keyof Results['runs']) => r.runs[k].map((m) => m.perSecond.toFixed(0)).join(' and ');
  const p99 = (k: keyof Results['runs']) => Math.max(...r.runs[k].map((m) => m.p99));
  const sent = (k: keyof Results['runs']) => mean(r.runs[k].map((m) => m.sent));
  const ratio = rate('delivered') / rate('none');
  // Where the slowdown goes: the server's CPU in a run with events beyond what its REST calls cost
  // in the runs without, per event committed meanwhile.
  const restCpuPerCall = mean(r.runs.none.map((m) => m.cpu / m.count));
  const perEvent = (k: 'delivered' | 'committed') => mean(r.runs[k].map((m) => (m.cpu - restCpuPerCall * m.count) / Math.max(1, m.sent)));
  const quietCommit = mean(r.cpuPerEvent.committed);
  const quietDelivered = mean(r.cpuPerEvent.delivered);
  const us = (v: number) => `${v.toFixed(0)} µs`;
  const rows = [
    `| Paced (1 event / 2 ms, ${APPS} apps) commit → receipt | — | ${ms(p50)} | ${ms(percentile(r.lat, 99))} | p50 < ${TARGET_P50_MS} ms | ${pass(p50 < TARGET_P50_MS)} |`,
    `| Burst of ${THROUGHPUT_EVENTS}, ${APPS} apps (concurrent lanes) | ${r.many.rate.toFixed(0)} events/s (committed at ${r.many.commitRate.toFixed(0)}/s) | ${ms(r.many.p50)} | ${ms(r.many.p99)} | ≥ ${TARGET_RATE} events/s | ${pass(r.many.rate >= TARGET_RATE)} |`,
    `| Burst of ${THROUGHPUT_EVENTS}, 1 app (one ordered lane) | ${r.one.rate.toFixed(0)} events/s (committed at ${r.one.commitRate.toFixed(0)}/s) | ${ms(r.one.p50)} | ${ms(r.one.p99)} | | |`,
    `| REST im.message.add, no events (runs 1 and 6) | ${rate('none').toFixed(0)} req/s (${each('none')}) | — | ${p99('none')} | | |`,
    `| REST im.message.add, ${BACKGROUND_RATE} events/s committed and delivered (${sent('delivered').toFixed(0)} per run; runs 2 and 5) | ${rate('delivered').toFixed(0)} req/s (${each('delivered')}), ratio ${ratio.toFixed(2)} | — | ${p99('delivered')} | ratio ≥ ${1 - MAX_SLOWDOWN} | ${pass(ratio >= 1 - MAX_SLOWDOWN)} |`,
    `| REST im.message.add, the same commits, delivery stopped (runs 3 and 4) | ${rate('committed').toFixed(0)} req/s (${each('committed')}), ratio ${(rate('committed') / rate('none')).toFixed(2)} | — | ${p99('committed')} | | |`,
    `| Server CPU per REST call (no events) / per event committed and delivered / per event committed only (REST runs above) | ${us(restCpuPerCall)} / ${us(perEvent('delivered'))} / ${us(perEvent('committed'))} | — | — | | |`,
    `| Server CPU per event at ${BACKGROUND_RATE}/s without REST load: committed and delivered / committed only / delivery's share | ${us(quietDelivered)} / ${us(quietCommit)} / ${us(quietDelivered - quietCommit)} | — | — | | |`,
  ];
  const section = [
    '<!-- events-bench:begin (generated by `npm run bench:events`; rewritten on every run) -->',
    `Last run: ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model.split(' ')[0] ?? 'CPU'}, Node ${process.version}. ` +
      'Handler: a minimal node:http server in its own process on loopback; latency from just before the commit to receipt (burst latencies include the queueing of the burst). ' +
      'REST rows: autocannon (10 connections, 5 s) in its own process, six runs interleaved (no events, delivered, delivery stopped, delivery stopped, delivered, no events; means shown); the events are committed by a loop inside the server process, one transaction per event with a REST call\'s context (as separate REST calls would), so the ratio includes the cost of committing them, not only of delivering them. ' +
      `CPU rows: the server process's CPU time (process.cpuUsage) per event; the last row commits ${BACKGROUND_RATE} events/s for ${CPU_SECONDS} s with no REST load, interleaved (delivered, committed only, committed only, delivered).`,
    '',
    '| Scenario | Rate | p50 (ms) | p99 (ms) | Target | Result |',
    '|---|---|---:|---:|---|---|',
    ...rows,
    '<!-- events-bench:end -->',
  ].join('\n');
  console.log(section);
  if (process.env.BENCH_NO_WRITE) return; // comparing builds: print only
  const file = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  const md = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const re = /<!-- events-bench:begin[\s\S]*?<!-- events-bench:end -->/;
  const heading = '\n\n## Bot events (`npm run bench:events`)\n\n';
  writeFileSync(file, re.test(md) ? md.replace(re, section) : md.trimEnd() + heading + section + '\n');
}

// ---- entry: the handler child, or the bench ------------------------------------------------
if (process.argv[2] === 'receiver') {
  const latencies: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t = now();
      const m = /T0%5D=([\d.]+)/.exec(Buffer.concat(chunks).toString('latin1'));
      if (m) latencies.push(t - Number(m[1]));
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: { take?: boolean; count?: boolean }) => {
    if (m.count) process.send!({ count: latencies.length });
    if (m.take) process.send!({ latencies: latencies.splice(0) });
  });
} else {
  await main();
}
