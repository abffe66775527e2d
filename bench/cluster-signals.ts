/**
 * One-way latency of a cross-node signal, PostgreSQL LISTEN/NOTIFY against Redis pub/sub, on
 * this machine: a sender commits a NOTIFY (or PUBLISHes), a listener on its own connection
 * hears it; both in this process, so one monotonic clock times the trip. The figure that
 * decided how nodes tell each other of writes (docs/ARCHITECTURE.md, "Cluster").
 *
 *   node dist/bench/cluster-signals.js [postgres://…] [redis://…]
 */
import pg from 'pg';
import { Redis } from 'ioredis';

const PG = process.argv[2] ?? process.env.IMBOT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.argv[3] ?? process.env.IMBOT_REDIS ?? 'redis://127.0.0.1:6379';
const N = 2000;

function summary(name: string, us: number[]): string {
  const s = [...us].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!.toFixed(0);
  return `${name.padEnd(24)} median ${at(0.5)} µs   p90 ${at(0.9)} µs   p99 ${at(0.99)} µs`;
}

async function trips(send: (payload: string) => Promise<unknown>, hear: (fn: (payload: string) => void) => void): Promise<number[]> {
  const out: number[] = [];
  let waiting: ((p: string) => void) | null = null;
  hear((p) => waiting?.(p));
  for (let i = 0; i < N + 100; i++) {
    const heard = new Promise<string>((r) => (waiting = r));
    const t0 = process.hrtime.bigint();
    await send(String(i));
    await heard;
    if (i >= 100) out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out;
}

const channel = `imbot_bench_${process.pid}`;
const sender = new pg.Client({ connectionString: PG });
const listener = new pg.Client({ connectionString: PG });
await sender.connect();
await listener.connect();
await listener.query(`listen ${channel}`);
const notify = await trips(
  (p) => sender.query('select pg_notify($1, $2)', [channel, p]),
  (fn) => listener.on('notification', (m) => fn(m.payload ?? '')),
);
await sender.end();
await listener.end();

const pub = new Redis(REDIS);
const sub = new Redis(REDIS);
await sub.subscribe(channel);
const publish = await trips(
  (p) => pub.publish(channel, p),
  (fn) => sub.on('message', (_c: string, m: string) => fn(m)),
);
pub.disconnect();
sub.disconnect();

console.log(`${N} one-way signals each, sender → listener on loopback (round trip of the sender's call included)`);
console.log(summary('PostgreSQL NOTIFY', notify));
console.log(summary('Redis PUBLISH', publish));
