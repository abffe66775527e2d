/**
 * `npm run bench:p99`: the main bench's "imbot.message.add, 32 connections" row on its own, with
 * what is needed to explain its tail latency. The portal and a bare node:http server run in this
 * process (as in `npm run bench`); autocannon runs in a child process and records every response
 * (when it ended, how long it took). While the portal row runs this process records:
 *
 * - every group commit (src/store/group-commit.ts `groupProbe`): size, wait before it started,
 *   time from its start to COMMIT, and the COMMIT itself (on SQLite an automatic WAL checkpoint
 *   runs inside the COMMIT that crosses `wal_autocheckpoint` pages);
 * - garbage-collector pauses (perf_hooks `gc` entries);
 * - event-loop delay (monitorEventLoopDelay, 1 ms resolution);
 * - server CPU per request (process.cpuUsage: the client runs in its own process).
 *
 * Then it prints the latency percentiles and, for the requests at or above the p99, which of
 * those events they overlapped. Rounds: `--rounds N` (default 1) runs bare, portal, bare per
 * round; the rate ratio is the portal's rate over the mean of the bare runs around it, as the
 * main bench computes it. `--json FILE` writes the figures as JSON as well.
 *
 * The store first grows as in the main run: 1,000 seeded messages, then `imbot.message.add` at
 * 10 connections for 1 + 5 s (skip with `--no-grow`).
 *
 * `--heap-sample FILE`: a sampling heap profile of the measured run that keeps collected objects
 * (what the scavenges deal with), written to FILE and summarised as bytes per request by function.
 * `--checkpoint-cost`: no portal; times SQLite checkpoints of ~1,000 WAL frames (see below).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { sql } from 'kysely';
import { callJson, startPortal } from '../test/helpers/server.js';
import { groupProbe, type GroupTiming } from '../src/store/group-commit.js';
import { startBare } from './cannon.js';
import { messageCount, seedMessagesUpTo, seedPortal } from './seed.js';

const MANY = 32;
const SECONDS = 5;
const WARMUP_SECONDS = 1;
const BODY = JSON.stringify({ CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' });

interface ChildJob {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  /** record every response */
  record: boolean;
}

interface ChildResult {
  count: number;
  failures: number;
  seconds: number;
  /** autocannon's own p99 (whole ms) */
  p99: number;
  /** per response: end time (ms since the epoch, sub-ms) and latency (ms) */
  ends: number[];
  lat: number[];
}

const now = () => performance.timeOrigin + performance.now();

/** CPU time of this process's main thread, µs (Linux: /proc; NaN elsewhere), 10 ms granularity. */
function mainThreadCpuUs(): number {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}

async function child(job: ChildJob): Promise<ChildResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as (o: Record<string, unknown>) => any;
  const ends: number[] = [];
  const lat: number[] = [];
  const inst = autocannon({ url: job.url, method: 'POST', headers: { 'content-type': 'application/json' }, body: job.body, connections: job.connections, duration: job.seconds });
  if (job.record) {
    inst.on('response', (_c: unknown, status: number, _b: number, responseTime: number) => {
      if (status >= 200 && status < 300) {
        ends.push(now());
        lat.push(responseTime);
      }
    });
  }
  const r = await inst;
  return { count: r['2xx'], failures: r.errors + r.timeouts + r.non2xx, seconds: r.duration, p99: r.latency.p99, ends, lat };
}

function load(job: ChildJob): Promise<ChildResult & { cpuUs: number }> {
  return new Promise((resolve, reject) => {
    const c = fork(fileURLToPath(import.meta.url), ['--child'], { stdio: 'inherit' });
    let cpu0: NodeJS.CpuUsage;
    c.once('spawn', () => {
      cpu0 = process.cpuUsage();
      c.send(job);
    });
    c.once('message', (m: ChildResult) => {
      const cpu = process.cpuUsage(cpu0);
      resolve({ ...m, cpuUs: cpu.user + cpu.system });
    });
    c.once('error', reject);
    c.once('exit', (code) => code !== 0 && reject(new Error(`load child exited with ${code}`)));
  });
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—');
const dist = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, mean, p50: pct(s, 50), p90: pct(s, 90), p99: pct(s, 99), max: s[s.length - 1] ?? NaN };
};
const show = (d: ReturnType<typeof dist>) => `n ${d.n}, mean ${f(d.mean)}, p50 ${f(d.p50)}, p90 ${f(d.p90)}, p99 ${f(d.p99)}, max ${f(d.max)}`;

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** Bytes allocated per request by function (self), from a sampling heap profile that kept collected objects. */
function heapSummary(root: HeapNode, requests: number, top = 30): string {
  const by = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode) => {
    const { functionName, url, lineNumber } = n.callFrame;
    const file = url.includes('/dist/') ? url.slice(url.indexOf('/dist/') + 6) : url.includes('node_modules/') ? url.slice(url.lastIndexOf('node_modules/') + 13) : url;
    const k = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    by.set(k, (by.get(k) ?? 0) + n.selfSize);
    total += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(root);
  const lines = [`  allocated (sampled): ${(total / Math.max(1, requests) / 1024).toFixed(1)} KB per request`];
  for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`    ${(v / Math.max(1, requests)).toFixed(0).padStart(7)} B  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
  return lines.join('\n');
}

interface Interval {
  start: number;
  end: number;
}

/** Of the requests whose latency is at least `min`, how many overlapped one of `spans`. */
function overlapping(ends: number[], lat: number[], min: number, spans: Interval[]): number {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let n = 0;
  for (let i = 0; i < ends.length; i++) {
    if (lat[i]! < min) continue;
    const e = ends[i]!;
    const s = e - lat[i]!;
    // linear is fine: a few hundred slow requests × a few thousand spans
    if (sorted.some((x) => x.start < e && x.end > s)) n++;
  }
  return n;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 1;
  const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;
  const grow = !process.argv.includes('--no-grow');
  const label = process.argv.includes('--label') ? process.argv[process.argv.indexOf('--label') + 1] : '';
  const load0 = loadavg();
  const bare = await startBare();
  const portal = await startPortal({ profile: 'dev' });
  const db = portal.server.core.store.db;
  const hook = portal.adminHook;
  const results: Record<string, unknown>[] = [];
  try {
    const reg = await callJson(hook, 'imbot.register', { CODE: 'bench', EVENT_HANDLER: 'http://127.0.0.1:9/handler', CLIENT_ID: 'bench', PROPERTIES: { NAME: 'Bench' } });
    if (typeof reg.body?.result !== 'number') throw new Error(`cannot register the bench bot: ${reg.text}`);
    const chats = await seedPortal(db, { people: 200, bots: 50 });
    await seedMessagesUpTo(db, chats, 1_000);
    const url = `${hook}/imbot.message.add`;
    // an experiment: no automatic WAL checkpoints at all (the WAL grows for the whole run)
    if (process.argv.includes('--no-autocheckpoint')) await sql`pragma wal_autocheckpoint = 0`.execute(db);
    if (grow) {
      await load({ url, body: BODY, connections: 10, seconds: WARMUP_SECONDS, record: false });
      await load({ url, body: BODY, connections: 10, seconds: SECONDS, record: false });
    }
    const bareRun = async () => {
      await load({ url: bare.url, body: '{}', connections: MANY, seconds: WARMUP_SECONDS, record: false });
      return load({ url: bare.url, body: '{}', connections: MANY, seconds: SECONDS, record: false });
    };
    for (let r = 0; r < rounds; r++) {
      const b1 = await bareRun();
      await load({ url, body: BODY, connections: MANY, seconds: WARMUP_SECONDS, record: false });
      const stored = await messageCount(db);
      const groups: GroupTiming[] = [];
      const gcs: { start: number; duration: number; kind: number }[] = [];
      const obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) gcs.push({ start: performance.timeOrigin + e.startTime, duration: e.duration, kind: ((e as unknown as { detail?: { kind?: number } }).detail)?.kind ?? 0 });
      });
      obs.observe({ entryTypes: ['gc'] });
      const eld = monitorEventLoopDelay({ resolution: 1 });
      eld.enable();
      groupProbe.onGroup = (t) => groups.push(t);
      const heapOut = process.argv.includes('--heap-sample') ? process.argv[process.argv.indexOf('--heap-sample') + 1]! : null;
      const session = heapOut ? new Session() : null;
      if (session) {
        session.connect();
        // every allocation site, collected or not: what the scavenges have to deal with
        await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
      }
      // how often the main connection was checkpointing itself (the thread behind, or not running)
      const inline = { samples: 0, on: 0 };
      const sampler = setInterval(() => {
        sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`
          .execute(db)
          .then((r) => {
            inline.samples++;
            if (r.rows[0]!.wal_autocheckpoint > 0) inline.on++;
          })
          .catch(() => {});
      }, 50);
      const main0 = mainThreadCpuUs();
      const m = await load({ url, body: BODY, connections: MANY, seconds: SECONDS, record: true });
      const mainCpu = mainThreadCpuUs() - main0;
      clearInterval(sampler);
      if (session && heapOut) {
        const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode; samples: unknown[] } };
        session.disconnect();
        writeFileSync(heapOut, JSON.stringify(profile));
        console.log(heapSummary(profile.head, m.count));
      }
      groupProbe.onGroup = null;
      eld.disable();
      obs.disconnect();
      const b2 = await bareRun();
      const bareRate = (b1.count / b1.seconds + b2.count / b2.seconds) / 2;
      const rate = m.count / m.seconds;
      const latSorted = [...m.lat].sort((a, b) => a - b);
      const p99 = pct(latSorted, 99);
      const abs = (t: number) => performance.timeOrigin + t;
      const spans = {
        gc: gcs.map((g) => ({ start: g.start, end: g.start + g.duration })).filter((s) => s.end - s.start >= 1),
        commitOver1: groups.filter((g) => g.committed - g.worked >= 1).map((g) => ({ start: abs(g.worked), end: abs(g.committed) })),
        groupOver5: groups.filter((g) => g.committed - g.started >= 5).map((g) => ({ start: abs(g.started), end: abs(g.committed) })),
      };
      const slow = latSorted.length ? m.lat.filter((x) => x >= p99).length : 0;
      const out = {
        label,
        round: r + 1,
        stored,
        loadavg: loadavg()[0],
        rate,
        bareRate,
        ratio: rate / bareRate,
        autocannonP99: m.p99,
        cpuPerOp: m.cpuUs / Math.max(1, m.count),
        mainThreadCpuPerOp: mainCpu / Math.max(1, m.count),
        autocheckpointOn: inline.samples ? inline.on / inline.samples : NaN,
        bareCpuPerOp: (b1.cpuUs / b1.count + b2.cpuUs / b2.count) / 2,
        failures: m.failures + b1.failures + b2.failures,
        latency: dist(m.lat),
        groups: {
          size: dist(groups.map((g) => g.size)),
          wait: dist(groups.map((g) => g.started - g.queued)),
          work: dist(groups.map((g) => g.worked - g.started)),
          commit: dist(groups.map((g) => g.committed - g.worked)),
          total: dist(groups.map((g) => g.committed - g.started)),
          commitsOver1ms: spans.commitOver1.length,
          commitsOver5ms: groups.filter((g) => g.committed - g.worked >= 5).length,
          commitOver1msTotal: groups.filter((g) => g.committed - g.worked >= 1).reduce((n, g) => n + g.committed - g.worked, 0),
        },
        gc: {
          count: gcs.length,
          total: gcs.reduce((n, g) => n + g.duration, 0),
          pauses: dist(gcs.map((g) => g.duration)),
          major: gcs.filter((g) => g.kind === 4).length,
        },
        eventLoopDelay: { mean: eld.mean / 1e6, p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 },
        slow: {
          threshold: p99,
          count: slow,
          overlapGc: overlapping(m.ends, m.lat, p99, spans.gc),
          overlapCommitOver1ms: overlapping(m.ends, m.lat, p99, spans.commitOver1),
          overlapGroupOver5ms: overlapping(m.ends, m.lat, p99, spans.groupOver5),
        },
      };
      results.push(out);
      console.log(
        [
          `[p99${label ? ` ${label}` : ''}] round ${r + 1}: stored ${stored}, load ${f(out.loadavg)} (at start ${f(load0[0])})`,
          `  rate ${f(rate, 0)} req/s, bare ${f(bareRate, 0)} → ratio ${f(out.ratio, 3)}; CPU/op ${f(out.cpuPerOp, 0)} µs (main thread ${f(out.mainThreadCpuPerOp, 0)}; bare ${f(out.bareCpuPerOp, 0)}); autocannon p99 ${m.p99} ms; failures ${out.failures}`,
          `  latency ms: ${show(out.latency)}`,
          `  groups: size ${show(out.groups.size)}`,
          `          wait ${show(out.groups.wait)}`,
          `          work ${show(out.groups.work)}`,
          `          commit ${show(out.groups.commit)}; commits ≥ 5 ms: ${out.groups.commitsOver5ms}, ≥ 1 ms: ${out.groups.commitsOver1ms} (${f(out.groups.commitOver1msTotal, 0)} ms)`,
          `          start→commit ${show(out.groups.total)}`,
          `  main connection checkpointing itself (wal_autocheckpoint > 0) in ${f(100 * out.autocheckpointOn, 0)} % of 50 ms samples`,
          `  gc: ${out.gc.count} pauses, ${f(out.gc.total, 0)} ms in all, ${out.gc.major} major; ${show(out.gc.pauses)}`,
          `  event-loop delay ms: mean ${f(out.eventLoopDelay.mean)}, p50 ${f(out.eventLoopDelay.p50)}, p99 ${f(out.eventLoopDelay.p99)}, max ${f(out.eventLoopDelay.max)}`,
          `  requests ≥ p99 (${f(p99)} ms): ${slow}; overlapping a GC pause ≥ 1 ms ${out.slow.overlapGc}, a COMMIT ≥ 1 ms ${out.slow.overlapCommitOver1ms}, a group ≥ 5 ms ${out.slow.overlapGroupOver5ms}`,
        ].join('\n'),
      );
    }
  } finally {
    await portal.stop();
    await new Promise((resolve) => bare.server.close(resolve));
  }
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(results, null, 2));
}

/**
 * `--checkpoint-cost`: what one automatic checkpoint costs the thread that runs it. A scratch
 * database with the store's settings (WAL, synchronous=NORMAL) takes transactions of 30 indexed
 * inserts until its WAL holds 1,000 frames (SQLite's wal_autocheckpoint default), then one
 * `PRAGMA wal_checkpoint(PASSIVE)` is timed; 20 times.
 */
async function checkpointCost(): Promise<void> {
  const Database = (await import('better-sqlite3')).default;
  const dir = mkdtempSync(join(tmpdir(), 'imbot-ckpt-'));
  const db = new Database(join(dir, 'x.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('create table t (id integer primary key, body text, k integer); create index tk on t (k)');
    const insert = db.prepare('insert into t (body, k) values (?, ?)');
    const write = db.transaction((i: number) => {
      for (let j = 0; j < 30; j++) insert.run(`Hello from the benchmark ${i}`, (i * 7919 + j) % 10007);
    });
    const walFrames = () => (statSync(join(dir, 'x.db-wal'), { throwIfNoEntry: false })?.size ?? 0) / (4096 + 24);
    const times: number[] = [];
    let i = 0;
    for (let round = 0; round < 20; round++) {
      const restartAt = i;
      // after a reset the WAL is overwritten from its start: count frames by transactions instead
      let frames = 0;
      while (frames < 1000) {
        write(i++);
        frames = round === 0 ? walFrames() : ((i - restartAt) * 1000) / firstRoundTxns;
      }
      if (round === 0) firstRoundTxns = i;
      const t = performance.now();
      db.pragma('wal_checkpoint(PASSIVE)');
      times.push(performance.now() - t);
    }
    console.log(`checkpoint of ~1,000 WAL frames (${firstRoundTxns} transactions of 30 inserts): ${show(dist(times))} ms; load ${f(loadavg()[0])}`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
let firstRoundTxns = 1;

if (process.argv.includes('--checkpoint-cost')) {
  await checkpointCost();
} else if (process.argv.includes('--child')) {
  process.once('message', async (job: ChildJob) => {
    const out = await child(job);
    process.send!(out, () => process.exit(0));
  });
} else {
  await main();
}
