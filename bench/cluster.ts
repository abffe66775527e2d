/**
 * `npm run bench:cluster`: one portal served by 1, 2 and 3 `serve` processes over one
 * PostgreSQL schema and one Redis (test/helpers/cluster.ts starts them as the scenario tests do).
 * For each size: server CPU per call of imbot.message.add and imbot.bot.list (the nodes' own
 * user + system time from /proc, summed over the nodes, ÷ calls), req/s, and bot events delivered
 * per second; each as a ratio against the one-node figure of the same run. With 2 and 3 nodes
 * message.add is also sent to node 0 alone, to show what a call costs the nodes it never reached. The client spreads its
 * calls round-robin over the nodes, as a balancer would. Rewrites the cluster section of
 * BENCHMARKS.md (its own markers).
 *
 * Each size also measures the nodes' idle CPU (delivery polls, lease renewals, pool keep-alive)
 * over BENCH_CLUSTER_IDLE_MS with no call running, and gives CPU per call net of it: on a loaded
 * machine a run stretches in wall time, and idle work spread over it would otherwise count as a
 * cost of each call.
 *
 * Each measured phase also reads every node's work counters (`GET /__control/counters`,
 * src/util/work-counters.ts) before and after, and gives their growth summed over the nodes per
 * call: SQL statements, PostgreSQL change notifications received (and those from other
 * processes, which a node acts on), bus messages sent and handled, Redis commands, read-cache
 * misses. Counts, unlike CPU time, repeat on a loaded machine.
 *
 * Environment: BENCH_CLUSTER_CALLS (default 1500 per method and size), BENCH_CLUSTER_EVENTS
 * (default 1000), BENCH_CLUSTER_CONCURRENCY (default 8 calls in flight), BENCH_CLUSTER_IDLE_MS
 * (default 5000), BENCH_CLUSTER_ROUNDS (default 3: message.add and bot.list are measured that
 * many times per size and the round with the least CPU per call net of idle is kept; other
 * processes on a shared machine only ever add to a round's CPU).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startCluster, testPostgres, testRedis, type Cluster } from '../test/helpers/cluster.js';

const CALLS = Number(process.env.BENCH_CLUSTER_CALLS ?? 1500);
const EVENTS = Number(process.env.BENCH_CLUSTER_EVENTS ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CLUSTER_CONCURRENCY ?? 8);
const IDLE_MS = Number(process.env.BENCH_CLUSTER_IDLE_MS ?? 5000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_CLUSTER_ROUNDS ?? 3));
const SIZES = (process.env.BENCH_CLUSTER_SIZES ?? '1,2,3').split(',').map(Number);
/** clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux) */
const TICKS = 100;

/** user + system CPU seconds a process has used so far (Linux /proc). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
}

const clusterCpu = (c: Cluster) => c.nodes.reduce((sum, n) => sum + cpuSeconds(n.pid), 0);

/** Every node's work counters, summed by name. */
async function clusterCounters(c: Cluster): Promise<Map<string, number>> {
  const sum = new Map<string, number>();
  for (const node of c.nodes) {
    const a = await node.control('GET', 'counters');
    if (a.status !== 200) throw new Error(`counters of node ${node.index}: ${a.text}`);
    for (const [k, v] of Object.entries(a.body.counters as Record<string, number>)) sum.set(k, (sum.get(k) ?? 0) + v);
  }
  return sum;
}

/** The counters shown per call, with their column names. */
const COUNTS: [string, (d: (name: string) => number) => number][] = [
  ['SQL', (d) => d('sql.statements')],
  ['transactions', (d) => d('sql.transactions')],
  ['sync trips', (d) => d('pg.sync')],
  ['NOTIFY recv', (d) => d('pg.notify.received')],
  ['NOTIFY foreign', (d) => d('pg.notify.foreign')],
  ['bus msgs sent', (d) => d('bus.messages')],
  ['bus recv', (d) => d('bus.received')],
  ['bus handled', (d) => d('bus.handled.*')],
  ['Redis cmds', (d) => d('redis.commands')],
  ['cache miss+stale', (d) => d('cache.miss') + d('cache.stale')],
];

interface Figures {
  /** counters' growth over the phase per call, summed over the nodes (COUNTS order) */
  counts: number[];
  /** with every call sent to one node: the other nodes' CPU per call (what a call costs a node it never reached) */
  othersMsPerCall: number;
  cpuMsPerCall: number;
  /** CPU per call less the nodes' idle CPU over the same wall time */
  netCpuMsPerCall: number;
  reqPerSec: number;
}

/** The nodes' CPU seconds per wall-clock second while no call runs. */
async function idleRate(c: Cluster): Promise<number> {
  const cpu0 = clusterCpu(c);
  const t0 = performance.now();
  await delay(IDLE_MS);
  return (clusterCpu(c) - cpu0) / ((performance.now() - t0) / 1000);
}

/**
 * `calls` calls of `method`, CONCURRENCY at a time, round-robin over the nodes (`only`: all to
 * that node; `othersMsPerCall` is then the other nodes' CPU per call net of their idle share).
 */
async function measure(c: Cluster, method: string, params: () => Record<string, unknown>, calls: number, idle = 0, only?: number): Promise<Figures> {
  let next = 0;
  let failed = 0;
  const others = c.nodes.filter((n) => only !== undefined && n.index !== c.nodes[only]!.index);
  const othersCpu = () => others.reduce((sum, n) => sum + cpuSeconds(n.pid), 0);
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      const a = await c.call(only ?? i % c.nodes.length, method, params());
      if (a.status !== 200) failed++;
    }
  };
  const before = await clusterCounters(c);
  const cpu0 = clusterCpu(c);
  const others0 = othersCpu();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = clusterCpu(c) - cpu0;
  const othersIdle = (idle * seconds * others.length) / c.nodes.length;
  const othersMsPerCall = (Math.max(0, othersCpu() - others0 - othersIdle) * 1000) / calls;
  const after = await clusterCounters(c);
  if (failed) throw new Error(`${failed} of ${calls} ${method} calls failed`);
  const grew = (name: string) => {
    const names = name.endsWith('*') ? [...after.keys()].filter((k) => k.startsWith(name.slice(0, -1))) : [name];
    return names.reduce((sum, k) => sum + (after.get(k) ?? 0) - (before.get(k) ?? 0), 0);
  };
  return { counts: COUNTS.map(([, f]) => f(grew) / calls), othersMsPerCall, cpuMsPerCall: (cpu * 1000) / calls, netCpuMsPerCall: (Math.max(0, cpu - idle * seconds) * 1000) / calls, reqPerSec: calls / seconds };
}

/** Bot events delivered per second: EVENTS messages to a bot, written round-robin, until all arrived. */
async function eventRate(c: Cluster): Promise<number> {
  let received = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  const handler = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d) => (body += d));
    req.on('end', () => {
      res.end('ok');
      if (body.startsWith('event=ONIMBOTMESSAGEADD&') && ++received >= EVENTS) done();
    });
  });
  await new Promise<void>((r) => handler.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(handler.address() as AddressInfo).port}/e`;
  try {
    const reg = await c.call(0, 'imbot.register', { CODE: 'bench_events', CLIENT_ID: 'bench_events', EVENT_MESSAGE_ADD: url, EVENT_WELCOME_MESSAGE: url, EVENT_BOT_DELETE: url, PROPERTIES: { NAME: 'Bench' } });
    if (reg.status !== 200) throw new Error(reg.text);
    const bot = String(reg.body.result);
    received = 0;
    const t0 = performance.now();
    await measure(c, 'im.message.add', () => ({ DIALOG_ID: bot, MESSAGE: 'event' }), EVENTS);
    await all;
    return EVENTS / ((performance.now() - t0) / 1000);
  } finally {
    handler.closeAllConnections();
    await new Promise((r) => handler.close(r));
  }
}

interface Row {
  nodes: number;
  add: Figures;
  list: Figures;
  events: number;
  /** message.add sent to node 0 only: counts and the other nodes' CPU (null with one node) */
  passive: Figures | null;
  /** the nodes' idle CPU, ms per second */
  idleMsPerSec: number;
}

async function main(): Promise<void> {
  const postgres = await testPostgres();
  const redis = await testRedis();
  const rows: Row[] = [];
  // Every size runs at once (a schema and Redis prefix each) and the measured rounds take turns
  // over the sizes, so a change in the machine's load during the run falls on every size alike
  // instead of on whichever size was measured last. A cluster that is not measured sits idle
  // (a few ms of CPU per second); CPU is read per process, so it counts only for its own size.
  const clusters: { size: number; c: Cluster; dialog: string; idle: number; add?: Figures; list?: Figures }[] = [];
  try {
    for (const size of SIZES) {
      const c = await startCluster({ nodes: size, postgres, redis });
      clusters.push({ size, c, dialog: '', idle: 0 });
    }
    for (const k of clusters) {
      const { c, size } = k;
      const chat = await c.call(0, 'im.chat.add', { TITLE: 'bench', USERS: [] });
      k.dialog = `chat${chat.body.result}`;
      for (let i = 0; i < 5; i++) await c.call(0, 'imbot.register', { CODE: `bench_${i}`, CLIENT_ID: 'bench', EVENT_MESSAGE_ADD: 'http://127.0.0.1:9/none', PROPERTIES: { NAME: `Bench ${i}` } });
      // warm every node (JIT, caches, pool connections)
      await measure(c, 'imbot.bot.list', () => ({}), 100 * size);
      await measure(c, 'im.message.add', () => ({ DIALOG_ID: k.dialog, MESSAGE: 'warm' }), 100 * size);
    }
    for (const k of clusters) k.idle = await idleRate(k.c);
    // the round with the least CPU per call: another process's load only ever adds to it
    const least = (a: Figures | undefined, b: Figures) => (!a || b.netCpuMsPerCall < a.netCpuMsPerCall ? b : a);
    for (let r = 0; r < ROUNDS; r++) {
      for (const k of clusters) {
        k.add = least(k.add, await measure(k.c, 'im.message.add', () => ({ DIALOG_ID: k.dialog, MESSAGE: 'hello cluster' }), CALLS, k.idle));
        k.list = least(k.list, await measure(k.c, 'imbot.bot.list', () => ({}), CALLS, k.idle));
      }
    }
    for (const { size, c, dialog, idle, add, list } of clusters) {
      const passive = size > 1 ? await measure(c, 'im.message.add', () => ({ DIALOG_ID: dialog, MESSAGE: 'hello node 0' }), CALLS, idle, 0) : null;
      const events = await eventRate(c);
      rows.push({ nodes: size, add: add!, list: list!, events, passive, idleMsPerSec: idle * 1000 });
      const counts = (f: Figures) => COUNTS.map(([name], i) => `${name} ${f.counts[i]!.toFixed(2)}`).join(', ');
      console.log(`${size} node(s) per call: message.add ${counts(add!)}; bot.list ${counts(list!)}`);
      if (passive) console.log(`${size} node(s), message.add to node 0 only: ${counts(passive)}; all nodes' CPU ${passive.netCpuMsPerCall.toFixed(2)} ms/call net of idle, of it the other nodes' ${passive.othersMsPerCall.toFixed(3)} ms`);
      console.log(`${size} node(s): idle ${(idle * 1000).toFixed(1)} ms CPU/s; message.add ${add!.cpuMsPerCall.toFixed(2)} ms CPU/call (${add!.netCpuMsPerCall.toFixed(2)} net of idle), ${add!.reqPerSec.toFixed(0)} req/s; bot.list ${list!.cpuMsPerCall.toFixed(2)} ms CPU/call (${list!.netCpuMsPerCall.toFixed(2)} net), ${list!.reqPerSec.toFixed(0)} req/s; ${events.toFixed(0)} events/s`);
    }
  } finally {
    await Promise.all(clusters.map((k) => k.c.stop()));
    await redis.stop();
    await postgres.stop();
  }
  writeSection(rows, `${postgres.what}, Redis ${redis.what}`);
}

function writeSection(rows: Row[], services: string): void {
  const one = rows[0]!;
  const ratio = (v: number, base: number) => (base > 0 ? (v / base).toFixed(2) : '–');
  const lines = [
    '<!-- cluster-bench:begin (generated by `npm run bench:cluster`; rewritten on every run) -->',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${loadavg()[0]!.toFixed(1)} at the end; PostgreSQL: ${services}. ${CALLS} calls per method and size (the least CPU of ${ROUNDS} rounds, taking turns over the sizes), ${CONCURRENCY} in flight, round-robin over the nodes; ${EVENTS} bot events.`,
    '',
    '| nodes | idle CPU (all nodes) | message.add CPU/call | × 1 node | net of idle | × 1 node | message.add req/s | × 1 node | bot.list CPU/call | × 1 node | net of idle | × 1 node | bot.list req/s | × 1 node | events/s | × 1 node |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.nodes} | ${r.idleMsPerSec.toFixed(1)} ms/s | ${r.add.cpuMsPerCall.toFixed(2)} ms | ${ratio(r.add.cpuMsPerCall, one.add.cpuMsPerCall)} | ${r.add.netCpuMsPerCall.toFixed(2)} ms | ${ratio(r.add.netCpuMsPerCall, one.add.netCpuMsPerCall)} | ${r.add.reqPerSec.toFixed(0)} | ${ratio(r.add.reqPerSec, one.add.reqPerSec)} | ${r.list.cpuMsPerCall.toFixed(2)} ms | ${ratio(r.list.cpuMsPerCall, one.list.cpuMsPerCall)} | ${r.list.netCpuMsPerCall.toFixed(2)} ms | ${ratio(r.list.netCpuMsPerCall, one.list.netCpuMsPerCall)} | ${r.list.reqPerSec.toFixed(0)} | ${ratio(r.list.reqPerSec, one.list.reqPerSec)} | ${r.events.toFixed(0)} | ${ratio(r.events, one.events)} |`,
    ),
    '',
    'Work per call, summed over the nodes (counters of `GET /__control/counters`; counts, so they repeat on a loaded machine):',
    '',
    `| nodes | method | ${COUNTS.map(([name]) => name).join(' | ')} |`,
    `|---:|---|${COUNTS.map(() => '---:').join('|')}|`,
    ...rows.flatMap((r) => [
      ['message.add', r.add],
      ['bot.list', r.list],
      ...(r.passive ? [['message.add, all to node 0', r.passive]] : []),
    ].map(([m, f]) => `| ${r.nodes} | ${m as string} | ${(f as Figures).counts.map((v) => v.toFixed(2)).join(' | ')} |`)),
    '',
    `The nodes a call never reached: message.add sent to node 0 only, the other nodes' CPU per call net of their idle share: ${rows
      .filter((r) => r.passive)
      .map((r) => `${r.nodes} nodes ${r.passive!.othersMsPerCall.toFixed(3)} ms (all nodes together ${r.passive!.netCpuMsPerCall.toFixed(2)} ms)`)
      .join(', ')}.`,
    '<!-- cluster-bench:end -->',
  ];
  const file = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url));
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const re = /<!-- cluster-bench:begin[\s\S]*?<!-- cluster-bench:end -->/;
  const section = lines.join('\n');
  writeFileSync(file, re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n## Cluster (\`npm run bench:cluster\`)\n\n${section}\n`);
  console.log(section);
}

await main();
