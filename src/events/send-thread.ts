import { parentPort, workerData } from 'node:worker_threads';
import { EventPoster, type PostRequest } from './http-post.js';

/*
 * The sender thread's entry (started by src/events/sender.ts): POSTs each request it is handed
 * and answers with its outcome. Encoding the form body and the HTTP exchange with the handler
 * happen here, so they do not take turns with REST calls on the main thread.
 */
const poster = new EventPoster((workerData as { timeoutMs: number }).timeoutMs);
parentPort!.on('message', (r: PostRequest) => {
  void poster.post(r).then((outcome) => parentPort!.postMessage(outcome));
});
