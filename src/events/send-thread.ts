import { parentPort, workerData } from 'node:worker_threads';
import { EventPoster, type PostRun } from './http-post.js';

/*
 * The sender thread's entry (started by src/events/sender.ts): sends each run it is handed (runs
 * of different lanes at the same time, each run's requests in order) and answers with every
 * request's outcome as it comes. Encoding the form body and the HTTP exchange with the handler
 * happen here, so they do not take turns with REST calls on the main thread.
 */
const poster = new EventPoster((workerData as { timeoutMs: number }).timeoutMs);
parentPort!.on('message', (run: PostRun) => {
  void poster.run(run, (outcome) => parentPort!.postMessage(outcome));
});
