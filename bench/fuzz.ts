import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/server/listen.js';
import { Fuzzer } from './fuzzer.js';

/**
 * `npm run fuzz [requests] [seed]`: the long fuzz run (default 50,000 requests, seed 19) against a
 * fresh dev portal in this process; prints 5xx, non-JSON, stack and pollution counts and RSS.
 * Run node with --expose-gc for the after-GC figure.
 */
const total = Number(process.argv[2] ?? 50_000);
const seed = Number(process.argv[3] ?? 19);
const dataDir = mkdtempSync(join(tmpdir(), 'imbot-fuzz-'));
const server = await startServer({ dataDir, host: '127.0.0.1', port: 0, httpPort: 0, profile: 'dev', logError: () => {} });
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const { rss: rssStart, heapUsed: heapStart } = process.memoryUsage();
const report = await new Fuzzer(server, seed).run(total, 4, (n) => process.stderr.write(`${n}\r`));
gc?.();
const { rss: rssAfter, heapUsed: heapAfter } = process.memoryUsage();
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
console.log(`requests ${report.requests}, seed ${seed}`);
console.log(`5xx / no answer: ${report.serverErrors.length}`);
console.log(`non-JSON answers: ${report.nonJson.length}`);
console.log(`stack text: ${report.stacks.length}`);
console.log(`prototype pollution: ${report.pollution.length}`);
console.log(`RSS start ${mb(rssStart)}, after${gc ? ' GC' : ''} ${mb(rssAfter)} (${(rssAfter / rssStart).toFixed(2)}x)`);
console.log(`JS heap start ${mb(heapStart)}, after${gc ? ' GC' : ''} ${mb(heapAfter)}`);
for (const line of [...report.serverErrors, ...report.nonJson, ...report.stacks, ...report.pollution].slice(0, 20)) console.log('  ' + line);
await server.close();
rmSync(dataDir, { recursive: true, force: true });
