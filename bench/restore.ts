/**
 * `npm run bench:restore`: how long `POST /__control/snapshots/{name}/restore` takes for a portal
 * of 10,000 messages (issue 15 asks for under a second). Messages are written through the REST
 * API (batches of 50 im.message.add), the snapshot is saved once and restored RUNS times.
 */
import { performance } from 'node:perf_hooks';
import { addPerson, callJson, startPortal } from '../test/helpers/server.js';

const MESSAGES = 10_000;
const RUNS = 5;

const p = await startPortal();
try {
  const ann = await addPerson(p, 'Ann');
  for (let i = 0; i < MESSAGES / 50; i++) {
    const cmd: Record<string, string> = {};
    for (let k = 0; k < 50; k++) cmd[`m${k}`] = `im.message.add?DIALOG_ID=${ann.id}&MESSAGE=message+${i * 50 + k}`;
    const a = await callJson(p.adminHook, 'batch', { cmd });
    if (a.status !== 200) throw new Error(a.text);
  }
  const ctl = (path: string, body: unknown = {}) =>
    fetch(`${p.http}/__control/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken }, body: JSON.stringify(body) });
  let t0 = performance.now();
  const saved = await (await ctl('snapshots', { name: 'bench' })).json();
  console.log(`snapshot of ${saved.snapshot.rows} rows: ${(performance.now() - t0).toFixed(0)} ms`);
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    t0 = performance.now();
    const res = await ctl('snapshots/bench/restore');
    if (res.status !== 200) throw new Error(await res.text());
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`restore (${MESSAGES} messages), ${RUNS} runs: median ${times[RUNS >> 1]!.toFixed(0)} ms, max ${times.at(-1)!.toFixed(0)} ms`);
} finally {
  await p.stop();
}
