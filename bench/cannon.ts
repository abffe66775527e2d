import { fork } from 'node:child_process';
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
