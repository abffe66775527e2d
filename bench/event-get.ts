/**
 * `npm run bench:event-get`: the `imbot.v2.Event.get` rows of `npm run bench` alone, over HTTP,
 * repeated so that a change can be compared on a shared machine. The same queue as the main run
 * (a fetch-mode v2 bot, 1,000 real ONIMBOTV2MESSAGEADD snapshots of about 1.7 KB written with
 * `im.message.add`), read again and again at offset 0 with the default limit (100 events) and with
 * `limit=1000`, 10 connections, by autocannon in a child process (bench/load.ts); the CPU time this
 * process spends meanwhile is the server's. Each round measures the bare node:http server, then
 * both Event.get sizes; `--rounds` (default 3) rounds, `--seconds` (default 3) per measurement.
 * Prints each round and the lowest and median server CPU per event returned. `--profile <file>`
 * also records a V8 CPU profile of the server while the last round's 100-per-answer run goes
 * (summarise it with `node dist/bench/profile.js --summarise <file> <requests>`; the requests
 * are printed).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { addPerson, startPortal } from '../test/helpers/server.js';
import { cannon, startBare } from './cannon.js';
import type { Measurement } from './load.js';
import { fillV2Queue, registerV2FetchBot } from './seed.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const ROUNDS = arg('--rounds', 3);
const SECONDS = arg('--seconds', 3);
const QUEUED = 1000;

/** A warm-up second, then the measured run (the profiler, when given, records only that one). */
async function measure(url: string, body: unknown, session: Session | null = null): Promise<Measurement> {
  const text = JSON.stringify(body);
  await cannon(url, text, 10, 1);
  if (session) await session.post('Profiler.start');
  return cannon(url, text, 10, SECONDS);
}

const portal = await startPortal({ profile: 'dev' });
const bare = await startBare();
try {
  const hook = portal.adminHook;
  const bot = await registerV2FetchBot(hook, 'bench_v2');
  const person = await addPerson(portal, 'Bench Person');
  const queued = await fillV2Queue(portal.server.core.store.db, hook, person.hook, bot, QUEUED);
  const gate = { botId: bot.botId, botToken: bot.botToken };
  const per = { bare: [] as number[], 100: [] as number[], 1000: [] as number[] };
  console.log(`${queued} queued events, ${ROUNDS} rounds of ${SECONDS} s, 10 connections\n`);
  console.log('| Round | bare: CPU µs per request | Event.get 100: req/s | µs per event | Event.get 1000: req/s | µs per event | failures |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (let r = 1; r <= ROUNDS; r++) {
    const b = await measure(bare.url, {});
    const profileAt = process.argv.indexOf('--profile');
    const session = profileAt > 0 && r === ROUNDS ? new Session() : null;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
    }
    const g100 = await measure(`${hook}/imbot.v2.Event.get`, gate, session);
    if (session) {
      const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: unknown };
      writeFileSync(process.argv[profileAt + 1]!, JSON.stringify(profile));
      session.disconnect();
      console.error(`profile: ${g100.count} requests`);
    }
    const g1000 = await measure(`${hook}/imbot.v2.Event.get`, { ...gate, limit: 1000 });
    per.bare.push(b.cpuPerOp!);
    per[100].push(g100.cpuPerOp! / 100);
    per[1000].push(g1000.cpuPerOp! / 1000);
    const failures = b.failures + g100.failures + g1000.failures;
    console.log(`| ${r} | ${b.cpuPerOp!.toFixed(1)} | ${g100.perSecond.toFixed(0)} | ${(g100.cpuPerOp! / 100).toFixed(2)} | ${g1000.perSecond.toFixed(1)} | ${(g1000.cpuPerOp! / 1000).toFixed(2)} | ${failures} |`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const low = (xs: number[]) => Math.min(...xs);
  console.log(`\nlowest / median: bare ${low(per.bare).toFixed(1)} / ${median(per.bare).toFixed(1)} µs per request; ` +
    `Event.get ${low(per[100]).toFixed(2)} / ${median(per[100]).toFixed(2)} µs per event (100 per answer), ${low(per[1000]).toFixed(2)} / ${median(per[1000]).toFixed(2)} (1000 per answer)`);
} finally {
  bare.server.close();
  await portal.stop();
}
