/**
 * `npm run bench:cluster-profile`: where the node that takes the calls spends its extra CPU when it
 * is one of two nodes rather than alone (issue 13). Starts a 1-node and a 2-node cluster on the
 * same PostgreSQL and Redis (a schema and key prefix each, test/helpers/cluster.ts), sends the same
 * im.message.add load to the one node (`A`) and to node 0 of the two (`B`, node 1 takes no call),
 * in interleaved phases (A B B A …), and per phase records, for the node taking the calls:
 *
 * - CPU per call from /proc, main thread and other threads (and the other node of B), and context switches (/proc/<pid>/task/<tid>/status);
 * - the node's work counters (SQL statements, transactions, Redis commands, sync trips);
 * - a V8 CPU profile of its main thread over the phase (the nodes run with `--inspect` on a free
 *   port; this process drives the profiler over the inspector's WebSocket, so run it with
 *   `node --experimental-websocket` on Node 20, as the npm script does).
 *
 * Then it sums the profiles of each side and prints self time per call by function and by
 * file/package, A against B, largest difference first, and writes the profiles to --out
 * (default bench-profiles/cluster/) as A-<n>.cpuprofile / B-<n>.cpuprofile.
 *
 * Environment: BENCH_CP_CALLS (default 3000 per phase), BENCH_CP_CONCURRENCY (default 8),
 * BENCH_CP_PAIRS (default 2: the order is A B B A repeated), BENCH_CP_INTERVAL_US (sampling
 * interval, default 250).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCluster, testPostgres, testRedis, type Cluster, type ClusterNode } from '../test/helpers/cluster.js';
import { summarise } from './profile-summary.js';

const CALLS = Number(process.env.BENCH_CP_CALLS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CP_CONCURRENCY ?? 8);
const PAIRS = Number(process.env.BENCH_CP_PAIRS ?? 2);
const INTERVAL_US = Number(process.env.BENCH_CP_INTERVAL_US ?? 250);
const TICKS = 100;
const outArg = process.argv.indexOf('--out');
const OUT = outArg > 0 ? process.argv[outArg + 1]! : 'bench-profiles/cluster';

/** One thread's CPU ticks and context switches. */
interface ThreadStat {
  comm: string;
  cpu: number;
  vol: number;
  nonvol: number;
}

/** Every thread of `pid`: name, user + system seconds, voluntary / involuntary context switches. */
function threads(pid: number): Map<number, ThreadStat> {
  const out = new Map<number, ThreadStat>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const num = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      out.set(Number(tid), { comm, cpu: (Number(f[11]) + Number(f[12])) / TICKS, vol: num('voluntary_ctxt_switches'), nonvol: num('nonvoluntary_ctxt_switches') });
    } catch {
      // a thread that ended between readdir and read
    }
  }
  return out;
}

/**
 * Thread groups: the main thread (tid = pid) and the rest (V8's GC and compiler helpers, libuv's
 * pool, the delivery worker, the inspector: Node 20 names them all `node`, so they are not told apart).
 */
function group(pid: number, tid: number): string {
  return tid === pid ? 'main thread' : 'other threads (GC and compiler helpers, libuv pool, delivery worker, inspector)';
}

/** Growth per group between two readings (threads that ended count what they had at the first). */
function grew(pid: number, a: Map<number, ThreadStat>, b: Map<number, ThreadStat>): Map<string, ThreadStat> {
  const out = new Map<string, ThreadStat>();
  for (const [tid, t1] of b) {
    const t0 = a.get(tid) ?? { comm: t1.comm, cpu: 0, vol: 0, nonvol: 0 };
    const g = group(pid, tid);
    const s = out.get(g) ?? { comm: g, cpu: 0, vol: 0, nonvol: 0 };
    s.cpu += t1.cpu - t0.cpu;
    s.vol += t1.vol - t0.vol;
    s.nonvol += t1.nonvol - t0.nonvol;
    out.set(g, s);
  }
  return out;
}

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
class Inspector {
  private id = 0;
  private readonly pending = new Map<number, (m: any) => void>();
  private constructor(private readonly ws: any) {
    ws.addEventListener('message', (e: { data: string }) => {
      const m = JSON.parse(e.data);
      if (m.id !== undefined) this.pending.get(m.id)?.(m);
    });
  }

  static async connect(node: ClusterNode): Promise<Inspector> {
    const url = /ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+/.exec(node.output)?.[0];
    if (!url) throw new Error(`node ${node.index}: no inspector address in its output:\n${node.output}`);
    const WS = (globalThis as any).WebSocket;
    if (!WS) throw new Error('no WebSocket: run with node --experimental-websocket (Node 20)');
    const ws = new WS(url);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    return new Inspector(ws);
  }

  post(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => {
        this.pending.delete(id);
        if (m.error) reject(new Error(`${method}: ${JSON.stringify(m.error)}`));
        else resolve(m.result);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

async function counters(node: ClusterNode): Promise<Record<string, number>> {
  const a = await node.control('GET', 'counters');
  if (a.status !== 200) throw new Error(a.text);
  return a.body.counters as Record<string, number>;
}

interface Side {
  name: 'A' | 'B';
  c: Cluster;
  dialog: string;
  inspector: Inspector;
  phases: Phase[];
}

interface Phase {
  wallS: number;
  /** per thread group of node 0 */
  node0: Map<string, ThreadStat>;
  /** all threads of the other nodes (B only) */
  others: ThreadStat;
  counts: Record<string, number>;
  profile: any;
  load: number;
}

async function load(side: Side, calls: number, message: string): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < calls) {
      next++;
      const a = await side.c.call(0, 'im.message.add', { DIALOG_ID: side.dialog, MESSAGE: message });
      if (a.status !== 200) failed++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (failed) throw new Error(`${failed} of ${calls} calls failed on ${side.name}`);
  return (performance.now() - t0) / 1000;
}

async function phase(side: Side, n: number): Promise<Phase> {
  const node0 = side.c.nodes[0]!;
  const others = side.c.nodes.slice(1);
  const c0 = await counters(node0);
  const t0 = threads(node0.pid);
  const o0 = others.map((o) => threads(o.pid));
  await side.inspector.post('Profiler.start');
  const wallS = await load(side, CALLS, `hello ${side.name}`);
  const { profile } = await side.inspector.post('Profiler.stop');
  const t1 = threads(node0.pid);
  const o1 = others.map((o) => threads(o.pid));
  const c1 = await counters(node0);
  const other: ThreadStat = { comm: 'others', cpu: 0, vol: 0, nonvol: 0 };
  others.forEach((o, i) => {
    for (const s of grew(o.pid, o0[i]!, o1[i]!).values()) {
      other.cpu += s.cpu;
      other.vol += s.vol;
      other.nonvol += s.nonvol;
    }
  });
  const counts: Record<string, number> = {};
  for (const k of Object.keys(c1)) counts[k] = (c1[k]! - (c0[k] ?? 0)) / CALLS;
  writeFileSync(join(OUT, `${side.name}-${n}.cpuprofile`), JSON.stringify(profile));
  const p: Phase = { wallS, node0: grew(node0.pid, t0, t1), others: other, counts, profile, load: loadavg()[0]! };
  const cpu = [...p.node0.values()].reduce((s, t) => s + t.cpu, 0);
  console.log(`${side.name}-${n}: ${((cpu * 1000) / CALLS).toFixed(3)} ms CPU/call on node 0 (main ${((p.node0.get('main thread')!.cpu * 1000) / CALLS).toFixed(3)}), others ${((other.cpu * 1000) / CALLS).toFixed(3)}, ${(CALLS / wallS).toFixed(0)} req/s, load ${p.load.toFixed(1)}`);
  return p;
}

const fmt = (v: number, d = 1) => v.toFixed(d);

function report(a: Side, b: Side): string {
  const per = (s: Side, f: (p: Phase) => number) => s.phases.reduce((sum, p) => sum + f(p), 0) / (s.phases.length * CALLS);
  const lines: string[] = [];
  lines.push(`${CALLS} im.message.add per phase, ${CONCURRENCY} in flight, all to node 0; phases ${a.phases.length} A (1 node) and ${b.phases.length} B (node 0 of 2), interleaved A B B A; load average ${[...a.phases, ...b.phases].map((p) => p.load.toFixed(1)).join(', ')}`);
  lines.push('', '| node 0, per call | A: 1 node | B: node 0 of 2 | B ÷ A |', '|---|---:|---:|---:|');
  const row = (name: string, fa: number, fb: number, d = 3) => lines.push(`| ${name} | ${fmt(fa, d)} | ${fmt(fb, d)} | ${fa > 0 ? fmt(fb / fa, 2) : '–'} |`);
  const groups = ['main thread', 'other threads (GC and compiler helpers, libuv pool, delivery worker, inspector)'];
  const total = (p: Phase) => [...p.node0.values()].reduce((s, t) => s + t.cpu, 0);
  row('CPU, all threads (ms)', per(a, total) * 1000, per(b, total) * 1000);
  for (const g of groups) row(`CPU, ${g} (ms)`, per(a, (p) => p.node0.get(g)?.cpu ?? 0) * 1000, per(b, (p) => p.node0.get(g)?.cpu ?? 0) * 1000);
  row('CPU of the other node (ms)', 0, per(b, (p) => p.others.cpu) * 1000);
  row('profile: sampled main-thread time, not idle (ms)', per(a, (p) => summarise(p.profile).total) / 1000, per(b, (p) => summarise(p.profile).total) / 1000);
  row('main thread: voluntary context switches', per(a, (p) => p.node0.get('main thread')!.vol), per(b, (p) => p.node0.get('main thread')!.vol), 2);
  row('main thread: involuntary context switches', per(a, (p) => p.node0.get('main thread')!.nonvol), per(b, (p) => p.node0.get('main thread')!.nonvol), 2);
  row('all threads: context switches', per(a, (p) => [...p.node0.values()].reduce((s, t) => s + t.vol + t.nonvol, 0)), per(b, (p) => [...p.node0.values()].reduce((s, t) => s + t.vol + t.nonvol, 0)), 2);
  row('wall time per call (ms)', per(a, (p) => p.wallS) * 1000, per(b, (p) => p.wallS) * 1000);
  for (const k of ['sql.statements', 'sql.transactions', 'pg.sync', 'redis.commands', 'bus.messages', 'bus.received', 'pg.notify.received']) {
    row(`count: ${k}`, a.phases.reduce((s, p) => s + (p.counts[k] ?? 0), 0) / a.phases.length, b.phases.reduce((s, p) => s + (p.counts[k] ?? 0), 0) / b.phases.length, 2);
  }
  // profiles: self time per call, by function and by file
  const merged = (s: Side, key: 'byFunction' | 'byFile') => {
    const m = new Map<string, number>();
    for (const p of s.phases) for (const [k, v] of summarise(p.profile)[key]) m.set(k, (m.get(k) ?? 0) + v);
    for (const [k, v] of m) m.set(k, v / (s.phases.length * CALLS));
    return m;
  };
  for (const [key, title, top] of [['byFile', 'file or package', 30], ['byFunction', 'function', 40]] as const) {
    const ma = merged(a, key);
    const mb = merged(b, key);
    const ta = [...ma.values()].reduce((x, y) => x + y, 0);
    const tb = [...mb.values()].reduce((x, y) => x + y, 0);
    const diff = (k: string) => Math.abs((mb.get(k) ?? 0) - (ma.get(k) ?? 0));
    const keys = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) => diff(y) - diff(x));
    lines.push('', `| self time by ${title}, largest difference first | A µs/call | B µs/call | B − A | share of A | share of B | B ÷ A |`, '|---|---:|---:|---:|---:|---:|---:|');
    lines.push(`| (all sampled) | ${fmt(ta)} | ${fmt(tb)} | ${fmt(tb - ta)} | 100 % | 100 % | ${fmt(tb / ta, 2)} |`);
    for (const k of keys.slice(0, top)) {
      const va = ma.get(k) ?? 0;
      const vb = mb.get(k) ?? 0;
      lines.push(`| ${k.replace(/\|/g, '\\|')} | ${fmt(va)} | ${fmt(vb)} | ${fmt(vb - va)} | ${fmt((100 * va) / ta)} % | ${fmt((100 * vb) / tb)} % | ${va > 0 ? fmt(vb / va, 2) : '–'} |`);
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const postgres = await testPostgres();
  const redis = await testRedis();
  const sides: Side[] = [];
  const saved = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = `${saved ?? ''} --inspect=127.0.0.1:0`.trim();
  try {
    for (const [name, nodes] of [['A', 1], ['B', 2]] as const) {
      const c = await startCluster({ nodes, postgres, redis });
      sides.push({ name, c, dialog: '', inspector: null as unknown as Inspector, phases: [] });
    }
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
    for (const s of sides) {
      const chat = await s.c.call(0, 'im.chat.add', { TITLE: 'bench', USERS: [] });
      s.dialog = `chat${chat.body.result}`;
      for (let i = 0; i < 5; i++) await s.c.call(0, 'imbot.register', { CODE: `bench_${i}`, CLIENT_ID: 'bench', EVENT_MESSAGE_ADD: 'http://127.0.0.1:9/none', PROPERTIES: { NAME: `Bench ${i}` } });
      s.inspector = await Inspector.connect(s.c.nodes[0]!);
      await s.inspector.post('Profiler.enable');
      await s.inspector.post('Profiler.setSamplingInterval', { interval: INTERVAL_US });
      await load(s, 600, 'warm'); // JIT, caches, pool connections
    }
    const [a, b] = sides as [Side, Side];
    let n = 0;
    for (let i = 0; i < PAIRS; i++) {
      for (const s of i % 2 === 0 ? [a, b, b, a] : [b, a, a, b]) s.phases.push(await phase(s, ++n));
    }
    const text = report(a, b);
    writeFileSync(join(OUT, 'report.md'), `${text}\n`);
    console.log(text);
  } finally {
    for (const s of sides) s.inspector?.close();
    await Promise.all(sides.map((s) => s.c.stop()));
    await redis.stop();
    await postgres.stop();
  }
}

await main();
