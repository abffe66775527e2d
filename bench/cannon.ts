import { fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { CannonJob, Measurement } from './load.js';

/**
 * One autocannon run (bench/load.ts) in its own process, POSTing `body` (already encoded) to
 * `url`; the CPU this process spends meanwhile is the server's, reported per request as
 * `cpuPerOp` (µs). Fails when the load generator exits badly or overruns by 30 s.
 */
export function cannon(url: string, body: string, connections: number, seconds: number): Promise<Measurement> {
  const job: CannonJob = { kind: 'cannon', url, body, connections, seconds };
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./load.js', import.meta.url)), { stdio: 'inherit' });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error('load generator overran'));
    }, (seconds + 30) * 1000);
    let cpu0: NodeJS.CpuUsage;
    child.once('spawn', () => {
      cpu0 = process.cpuUsage();
      child.send(job);
    });
    child.once('message', (m: Measurement) => {
      const cpu = process.cpuUsage(cpu0);
      clearTimeout(timer);
      resolve({ ...m, cpuPerOp: (cpu.user + cpu.system) / Math.max(1, m.count) });
    });
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`load generator exited with ${code}`)));
  });
}

/** The baseline's answer: the portal's small JSON envelope, the same bytes every time. */
const BARE_BODY = JSON.stringify({ result: true, time: { start: 0, finish: 0, duration: 0, processing: 0, date_start: '', date_finish: '' } });

/** The baseline: node:http answering every POST with BARE_BODY, on a free loopback port. */
export async function startBare(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(BARE_BODY) });
      res.end(BARE_BODY);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}
