/**
 * The load generator, run as a child process so that the client has its own event loop (and, on
 * a 2-core machine, its own core) and the bench process's CPU time is the servers' alone.
 */
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

/** A fixed-duration autocannon run against one URL: a POST with a JSON body, or a plain GET. */
export interface CannonJob {
  kind: 'cannon';
  url: string;
  /** null: GET without a body */
  body: string | null;
  connections: number;
  seconds: number;
}

/**
 * A bounded loop of request chains on one keep-alive connection. `portal` chains are
 * register → [message.add →] unregister on an admin webhook; `bare` chains are `steps` plain
 * POSTs to the bare server, the same number of round trips without any work behind them.
 */
export interface CycleJob {
  kind: 'cycle';
  mode: 'portal' | 'bare';
  base: string;
  steps: number;
  clientId: string;
  codePrefix: string;
  maxCycles: number;
  maxSeconds: number;
}

export type Job = CannonJob | CycleJob;

export interface Measurement {
  /** completed 2xx requests (or cycles) per second */
  perSecond: number;
  /** 99th percentile latency of one request (or one cycle), ms */
  p99: number;
  count: number;
  seconds: number;
  /** requests that failed, answered non-2xx, or answered an unexpected body */
  failures: number;
  /** CPU time of the server process per request (or cycle), µs; filled in by the bench process */
  cpuPerOp?: number;
}

interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  latency: { p99: number };
}
type Autocannon = (opts: Record<string, unknown>) => Promise<CannonResult>;

async function cannon(job: CannonJob): Promise<Measurement> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const r = await autocannon({
    url: job.url,
    ...(job.body === null ? { method: 'GET' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: job.body }),
    connections: job.connections,
    duration: job.seconds,
  });
  return {
    perSecond: r['2xx'] / r.duration,
    p99: r.latency.p99,
    count: r['2xx'],
    seconds: r.duration,
    failures: r.errors + r.timeouts + r.non2xx,
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string, params: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(params);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** One chain; false when any answer is not what a working server gives. */
async function runChain(job: CycleJob, i: number): Promise<boolean> {
  if (job.mode === 'bare') {
    for (let s = 0; s < job.steps; s++) if ((await post(job.base, {})).status !== 200) return false;
    return true;
  }
  const reg = await post(`${job.base}/imbot.register`, {
    CODE: `${job.codePrefix}_${i}`,
    EVENT_HANDLER: 'http://127.0.0.1:9/handler',
    CLIENT_ID: job.clientId,
    PROPERTIES: { NAME: `Cycle ${i}` },
  });
  const botId = reg.body?.result;
  if (reg.status !== 200 || typeof botId !== 'number') return false;
  if (job.steps === 3) {
    const sent = await post(`${job.base}/imbot.message.add`, { CLIENT_ID: job.clientId, BOT_ID: botId, DIALOG_ID: '1', MESSAGE: 'hi' });
    if (typeof sent.body?.result !== 'number') return false;
  }
  const gone = await post(`${job.base}/imbot.unregister`, { CLIENT_ID: job.clientId, BOT_ID: botId });
  return gone.status === 200 && gone.body?.result === true;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function cycle(job: CycleJob): Promise<Measurement> {
  const times: number[] = [];
  let failures = 0;
  const t0 = performance.now();
  const deadline = t0 + job.maxSeconds * 1000;
  for (let i = 0; i < job.maxCycles && performance.now() < deadline; i++) {
    const c0 = performance.now();
    if (await runChain(job, i)) times.push(performance.now() - c0);
    else failures++;
  }
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { perSecond: times.length / seconds, p99: percentile(times.sort((a, b) => a - b), 99), count: times.length, seconds, failures };
}

if (process.send) {
  process.once('message', async (job: Job) => {
    const out = job.kind === 'cannon' ? await cannon(job) : await cycle(job);
    process.send!(out, () => process.exit(0));
  });
}
