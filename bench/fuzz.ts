import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer } from '../src/server/listen.js';
import { Fuzzer } from './fuzzer.js';

/**
 * `npm run fuzz [requests] [seed] [warm-up]`: the long fuzz run (default 50,000 requests, seed 19)
 * against a fresh dev portal in this process; prints 5xx, non-JSON, stack and pollution counts
 * and where the process's memory is. Run node with --expose-gc (the npm script does).
 *
 * The start figure is taken after a warm-up (default 2,000 requests of another seed): a cold
 * process has not yet loaded its code, compiled its hot paths or filled its bounded caches
 * (prepared statements, SQLite's page cache, the request log), and growth against a cold start
 * measures those rather than a leak.
 */
const total = Number(process.argv[2] ?? 50_000);
const seed = Number(process.argv[3] ?? 19);
const warmUp = Number(process.argv[4] ?? 2_000);
const dataDir = mkdtempSync(join(tmpdir(), 'imbot-fuzz-'));
const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, httpPort: 0, profile: 'dev', logError: () => {} });
const gc = (globalThis as { gc?: () => void }).gc;

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** resident pages backed by files (SQLite's memory-mapped database, code), Linux only */
  rssFile: number;
  /** resident anonymous memory (heap, malloc, buffers), Linux only */
  rssAnon: number;
}

/** Two full GCs and a moment for freed pages to go back, then the figures. */
async function settled(): Promise<Memory> {
  for (let i = 0; i < 2; i++) {
    gc?.();
    await sleep(500);
  }
  const m = process.memoryUsage();
  const smaps = (() => {
    try {
      return readFileSync('/proc/self/status', 'utf8');
    } catch {
      return '';
    }
  })();
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(smaps)?.[1] ?? NaN) * 1024;
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rssFile: kb('RssFile'), rssAnon: kb('RssAnon') };
}

const progress = (label: string) => (n: number) => process.stderr.write(`${label} ${n}\r`);
if (warmUp > 0) {
  const warm = await new Fuzzer(server, seed + 1).run(warmUp, 4, progress('warm-up'));
  if (warm.serverErrors.length + warm.nonJson.length + warm.stacks.length + warm.pollution.length > 0) console.log('warm-up found problems too: see below');
}
const start = await settled();
const t0 = process.hrtime.bigint();
const report = await new Fuzzer(server, seed).run(total, 4, progress('requests'));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const after = await settled();
const mb = (n: number) => (Number.isNaN(n) ? 'n/a' : `${(n / 1024 / 1024).toFixed(1)} MB`);
const row = (name: string, k: keyof Memory) => console.log(`  ${name.padEnd(26)} ${mb(start[k]).padStart(10)} → ${mb(after[k]).padStart(10)}  (${(after[k] / start[k]).toFixed(2)}×)`);
console.log(`requests ${report.requests}, seed ${seed}, after a warm-up of ${warmUp} (seed ${seed + 1}); ${(report.requests / seconds).toFixed(0)} requests/s`);
console.log(`5xx / no answer: ${report.serverErrors.length}`);
console.log(`non-JSON answers: ${report.nonJson.length}`);
console.log(`stack text: ${report.stacks.length}`);
console.log(`prototype pollution: ${report.pollution.length}`);
console.log(`memory, start → after${gc ? ' 2 GCs' : ' (no --expose-gc: no GC)'}:`);
row('RSS', 'rss');
row('  anonymous (RssAnon)', 'rssAnon');
row('  file-backed (RssFile)', 'rssFile');
row('JS heap used', 'heapUsed');
row('external (C++ objects)', 'external');
row('  of which ArrayBuffers', 'arrayBuffers');
for (const line of [...report.serverErrors, ...report.nonJson, ...report.stacks, ...report.pollution].slice(0, 20)) console.log('  ' + line);
await server.close();
rmSync(dataDir, { recursive: true, force: true });
