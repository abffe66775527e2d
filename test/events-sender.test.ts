import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import type { PostRequest } from '../src/events/http-post.js';
import { SenderThread } from '../src/events/sender.js';
import { startReceiver, type Receiver } from './helpers/events.js';

/*
 * The sender thread on its own (src/events/sender.ts): what crosses the thread, and what happens
 * to open requests when the thread is closed or dies. Delivery through a running portal is
 * covered by the events-* tests.
 */
describe('event sender thread', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  it('POSTs the form body with the event headers and reports the answer', async () => {
    const sender = new SenderThread(5000);
    try {
      const payload = JSON.stringify({ event: 'ONIMBOTMESSAGEADD', event_handler_id: 3, data: { PARAMS: { MESSAGE: 'a b', EMPTY: null, YES: true } }, ts: 5 });
      const o = await postOne(sender, { handlerUrl: `${receiver.base}/h?x=1`, payload, uid: 'uid-1', attempt: 2 });
      assert.equal(o.httpStatus, 200);
      assert.equal(o.error, '');
      const hit = receiver.hits.at(-1)!;
      assert.equal(hit.url, '/h?x=1');
      assert.equal(hit.raw, 'event=ONIMBOTMESSAGEADD&event_handler_id=3&data%5BPARAMS%5D%5BMESSAGE%5D=a+b&data%5BPARAMS%5D%5BYES%5D=1&ts=5');
      assert.equal(hit.headers['x-imbot-event-id'], 'uid-1');
      assert.equal(hit.headers['x-imbot-delivery-attempt'], '2');
      assert.equal(hit.headers['content-type'], 'application/x-www-form-urlencoded');
      receiver.script.push(503);
      const failed = await postOne(sender, { handlerUrl: `${receiver.base}/h`, payload, uid: 'uid-2', attempt: 1 });
      assert.deepEqual([failed.httpStatus, failed.error], [503, 'HTTP 503']);
    } finally {
      await sender.close('test over');
    }
  });

  it('sends a run in order and, when asked, skips what follows a failure', async () => {
    const sender = new SenderThread(5000);
    try {
      const req = (n: number) => ({ handlerUrl: `${receiver.base}/run${n}`, payload: JSON.stringify({ n }), uid: `r${n}`, attempt: 1 });
      const from = receiver.hits.length;
      receiver.script.push(200, 500);
      const stopped = await Promise.all(sender.postRun([req(1), req(2), req(3)], true));
      assert.deepEqual(stopped.map((o) => [o.httpStatus, o.skipped ?? false]), [[200, false], [500, false], [null, true]]);
      receiver.script.push(200, 500);
      const all = await Promise.all(sender.postRun([req(4), req(5), req(6)], false));
      assert.deepEqual(all.map((o) => o.httpStatus), [200, 500, 200]);
      assert.deepEqual(receiver.hits.slice(from).map((h) => h.url), ['/run1', '/run2', '/run4', '/run5', '/run6']);
    } finally {
      await sender.close('test over');
    }
  });

  it('reports a bad URL, an unreadable body and a refused connection as errors', async () => {
    const sender = new SenderThread(5000);
    try {
      const bad = await postOne(sender, { handlerUrl: 'not a url', payload: '{}', uid: 'u', attempt: 1 });
      assert.deepEqual([bad.httpStatus, bad.error], [null, 'invalid handler URL: not a url']);
      const unreadable = await postOne(sender, { handlerUrl: `${receiver.base}/h`, payload: '{', uid: 'u', attempt: 1 });
      assert.equal(unreadable.httpStatus, null);
      assert.match(unreadable.error, /^unreadable outbox body: /);
      const refused = await postOne(sender, { handlerUrl: 'http://127.0.0.1:1/h', payload: '{}', uid: 'u', attempt: 1 });
      assert.equal(refused.httpStatus, null);
      assert.match(refused.error, /ECONNREFUSED/);
    } finally {
      await sender.close('test over');
    }
  });

  it('times out a handler that does not answer', async () => {
    const silent = createServer(() => {}); // never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const sender = new SenderThread(100);
    try {
      const o = await postOne(sender, { handlerUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, payload: '{}', uid: 'u', attempt: 1 });
      assert.deepEqual([o.httpStatus, o.error], [null, 'no answer within 100 ms']);
    } finally {
      await sender.close('test over');
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('fails open requests when closed or when the thread dies, and starts a new thread after', async () => {
    let arrived = 0;
    const silent = createServer(() => void arrived++); // takes requests, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    const sender = new SenderThread(10_000);
    try {
      const cut = postOne(sender, { handlerUrl: url, payload: '{}', uid: 'u', attempt: 1 });
      await until(() => arrived === 1);
      await sender.close('cut off');
      assert.deepEqual(await cut, { id: 1, httpStatus: null, error: 'cut off', response: '', durationMs: 0 });

      const lost = postOne(sender, { handlerUrl: url, payload: '{}', uid: 'u', attempt: 1 });
      // the thread dies under an open request (as if it crashed)
      await (sender as unknown as { worker: Worker }).worker.terminate();
      const o = await lost;
      assert.equal(o.httpStatus, null);
      assert.match(o.error, /^event sender thread exited/);

      const again = await postOne(sender, { handlerUrl: `${receiver.base}/after`, payload: '{}', uid: 'u', attempt: 1 });
      assert.equal(again.httpStatus, 200);
    } finally {
      await sender.close('test over');
      silent.closeAllConnections();
      silent.close();
    }
  });
});

/** One request as a run of its own. */
const postOne = (sender: SenderThread, r: Omit<PostRequest, 'id'>) => sender.postRun([r], false)[0]!;

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), 'condition not met in time');
}
