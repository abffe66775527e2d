/**
 * `npm run bench:profile`: where the server's time goes for the calls whose targets the main bench
 * misses. Starts a portal in this process (SQLite, seeded as `npm run bench` seeds it), drives each
 * call with autocannon from a child process (bench/load.ts) and records a V8 CPU profile of this
 * process only while that call runs (node:inspector), so the profile holds the server's work and
 * not the client's. Each profile is written to the directory given by `--out` (default
 * `bench-profiles/`) as `<name>.cpuprofile` (open it in Chrome DevTools) and summarised on stdout:
 * self time per function and per source file, in µs per request.
 *
 * `node dist/bench/profile.js --summarise file.cpuprofile [requests]` prints the same summary for
 * a profile recorded some other way (e.g. `node --cpu-prof`).
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addPerson, callJson, startPortal } from '../test/helpers/server.js';
import type { Job, Measurement } from './load.js';
import { fillV2Queue, registerV2FetchBot, seedMessagesUpTo, seedPortal } from './seed.js';
import { summarise, type CpuProfile } from './profile-summary.js';

function report(name: string, profile: CpuProfile, requests: number, top = 25): string {
  const { total, byFunction, byFile } = summarise(profile);
  const per = (us: number) => (us / Math.max(1, requests)).toFixed(1);
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`## ${name}: ${requests} requests, ${per(total)} µs sampled (not idle) per request`, '', '| Self time by function | µs/request | share |', '|---|---:|---:|'];
  for (const [k, v] of sorted(byFunction)) lines.push(`| ${k.replace(/\|/g, '\\|')} | ${per(v)} | ${((100 * v) / total).toFixed(1)} % |`);
  lines.push('', '| Self time by file or package | µs/request | share |', '|---|---:|---:|');
  for (const [k, v] of sorted(byFile)) lines.push(`| ${k} | ${per(v)} | ${((100 * v) / total).toFixed(1)} % |`);
  return lines.join('\n');
}

function load(job: Job): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./load.js', import.meta.url)), { stdio: 'inherit' });
    child.once('spawn', () => child.send(job));
    child.once('message', (m: Measurement) => resolve(m));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
}

async function profiled(session: Session, outDir: string, name: string, url: string, body: unknown, connections: number): Promise<string> {
  const job = { kind: 'cannon' as const, url, body: JSON.stringify(body), connections };
  await load({ ...job, seconds: 1 }); // warm-up, not profiled
  await session.post('Profiler.start');
  const m = await load({ ...job, seconds: 4 });
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  writeFileSync(join(outDir, `${name}.cpuprofile`), JSON.stringify(profile));
  if (m.failures > 0) console.error(`[profile] ${name}: ${m.failures} failed requests`);
  return report(name, profile, m.count);
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf('--out');
  const outDir = outArg > 0 ? process.argv[outArg + 1] : 'bench-profiles';
  mkdirSync(outDir, { recursive: true });
  const portal = await startPortal({ profile: 'dev' });
  const db = portal.server.core.store.db;
  const hook = portal.adminHook;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  try {
    const reg = await callJson(hook, 'imbot.register', { CODE: 'bench', EVENT_HANDLER: 'http://127.0.0.1:9/handler', CLIENT_ID: 'bench', PROPERTIES: { NAME: 'Bench' } });
    if (typeof reg.body?.result !== 'number') throw new Error(`cannot register the bench bot: ${reg.text}`);
    const chats = await seedPortal(db, { people: 200, bots: 50 });
    await seedMessagesUpTo(db, chats, 1_000);
    const out: string[] = [];
    out.push(await profiled(session, outDir, 'bot.list', `${hook}/imbot.bot.list`, {}, 10));
    out.push(await profiled(session, outDir, 'message.add-32', `${hook}/imbot.message.add`, { CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' }, 32));
    const bot = await registerV2FetchBot(hook, 'bench_v2');
    const person = await addPerson(portal, 'Bench Person');
    await fillV2Queue(db, hook, person.hook, bot, 1_000);
    out.push(await profiled(session, outDir, 'v2.Event.get-100', `${hook}/imbot.v2.Event.get`, { botId: bot.botId, botToken: bot.botToken }, 10));
    console.log(out.join('\n\n'));
  } finally {
    session.disconnect();
    await portal.stop();
  }
}

const s = process.argv.indexOf('--summarise');
if (s > 0) {
  const file = process.argv[s + 1];
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  console.log(report(file, profile, Number(process.argv[s + 2] ?? 1)));
} else {
  await main();
}
