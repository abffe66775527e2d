/**
 * `npm run bench:send-vs-add -- [ORDER]`: `imbot.message.add` (A) against
 * `imbot.v2.Chat.Message.send` (B) on one portal seeded as `npm run bench` seeds it, in the
 * order given (default `ABBAGGABBA`; G is `imbot.v2.Event.get` with 1000 per answer, which the
 * main bench runs between the two). Each letter is 10 connections for 4 s after a 1 s warm-up;
 * a lower-case letter also records a V8 CPU profile of that window into the working directory
 * (`send-vs-add-<letter>-<n>.cpuprofile`, summarise with `node dist/bench/profile.js
 * --summarise <file> <requests>`). Prints server CPU per request, group-commit sizes and
 * collector time per window, then the A and B figures and their ratio.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PerformanceObserver } from 'node:perf_hooks';
import { groupProbe } from '../src/store/group-commit.js';
import { addPerson, callJson, startPortal } from '../test/helpers/server.js';
import { cannon } from './cannon.js';
import { fillV2Queue, registerV2FetchBot, seedMessagesUpTo, seedPortal } from './seed.js';

let groups = 0;
let units = 0;
groupProbe.onGroup = (t) => {
  groups++;
  units += t.size;
};
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

const portal = await startPortal({ profile: 'dev' });
try {
  const db = portal.server.core.store.db;
  const hook = portal.adminHook;
  await callJson(hook, 'imbot.register', { CODE: 'bench', EVENT_HANDLER: 'http://127.0.0.1:9/handler', CLIENT_ID: 'bench', PROPERTIES: { NAME: 'Bench' } });
  await seedMessagesUpTo(db, await seedPortal(db, { people: 200, bots: 50 }), 1000);
  const bot = await registerV2FetchBot(hook, 'bench_v2');
  const person = await addPerson(portal, 'Bench Person');
  await fillV2Queue(db, hook, person.hook, bot, 1000);
  const gate = { botId: bot.botId, botToken: bot.botToken };
  const calls: Record<string, [string, string]> = {
    A: [`${hook}/imbot.message.add`, JSON.stringify({ CLIENT_ID: 'bench', DIALOG_ID: '1', MESSAGE: 'Hello from the benchmark' })],
    B: [`${hook}/imbot.v2.Chat.Message.send`, JSON.stringify({ ...gate, dialogId: String(person.id), fields: { message: 'Hello from the benchmark' } })],
    G: [`${hook}/imbot.v2.Event.get`, JSON.stringify({ ...gate, limit: 1000 })],
  };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  const cpu: Record<string, number[]> = {};
  let n = 0;
  for (const letter of (process.argv[2] ?? 'ABBAGGABBA').split('')) {
    const key = letter.toUpperCase();
    const call = calls[key];
    if (!call) throw new Error(`unknown letter ${letter}: use A, B, G (lower case to profile)`);
    await cannon(call[0], call[1], 10, 1);
    groups = units = gcMs = 0;
    if (letter !== key) await session.post('Profiler.start');
    const m = await cannon(call[0], call[1], 10, 4);
    if (m.failures > 0) throw new Error(`${key}: ${m.failures} requests failed`);
    if (letter !== key) {
      const { profile } = await session.post('Profiler.stop');
      const file = `send-vs-add-${key}-${++n}.cpuprofile`;
      writeFileSync(file, JSON.stringify(profile));
      console.log(`  profile ${file}, ${m.count} requests`);
    }
    (cpu[key] ??= []).push(Math.round(m.cpuPerOp ?? NaN));
    console.log(`${key}: ${Math.round(m.cpuPerOp ?? NaN)} µs server CPU per request, ${Math.round(m.count / 4)} req/s, groups of ${(units / Math.max(1, groups)).toFixed(1)}, collector ${((gcMs / m.count) * 1000).toFixed(0)} µs per request`);
  }
  const mean = (xs: number[] = []) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(JSON.stringify(cpu));
  if (cpu.A && cpu.B) console.log(`B ÷ A, server CPU per request: ${(mean(cpu.B) / mean(cpu.A)).toFixed(2)}`);
} finally {
  await portal.stop();
}
