import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { phpJson } from '../rest/php.js';

/**
 * Connection limits (issue 19; docs/SECURITY.md "Request and connection limits"): timeouts for
 * slow clients and a cap on the connections one client address may hold open at once.
 */
export interface ConnectionLimits {
  /** open connections per client address, over HTTP and HTTPS together; 0 = no cap */
  perAddress: number;
  /** the request line and headers must arrive within this time (also the TLS handshake) */
  headersTimeoutMs: number;
  /** the whole request, body included (a 133 MB upload on a slow link needs minutes) */
  requestTimeoutMs: number;
  /** an idle keep-alive connection is closed after this */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  perAddress: 256,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 15_000,
};

/** Headers every answer the server writes itself carries (the same as app.ts's CORS headers). */
export type RawHeaders = Record<string, string>;

/** Sockets already answered and closing: the parser may report the input that follows too. */
const answered = new WeakSet<Duplex>();

/**
 * Writes a complete JSON answer straight onto a socket, then closes it. Once per socket: the
 * garbage a client goes on sending after the first malformed request is dropped unanswered
 * (before, every further parser error added a listener and a timer to the same socket).
 */
export function answerRaw(socket: Duplex, status: number, reason: string, body: Record<string, string>, headers: RawHeaders): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const payload = phpJson(body);
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  // what the client still sends is read and dropped: closing on unread input would reset the
  // connection and could lose the answer on the client's side
  socket.on('error', () => {});
  socket.resume();
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n${extra}content-length: ${Buffer.byteLength(payload)}\r\nconnection: close\r\n\r\n${payload}`);
  }
  // a peer that keeps its side open does not keep the socket
  setTimeout(() => socket.destroy(), 2000).unref();
}

const MALFORMED = { error: 'INVALID_REQUEST', error_description: 'Malformed request' };

/**
 * Applies the limits to one server. `counts` is shared by the HTTP and HTTPS servers so a client
 * address has one budget. Over the cap a plain HTTP client gets a JSON 503 (the edge's
 * QUERY_LIMIT_EXCEEDED, which SDKs retry) and the socket closes; a TLS client cannot be answered
 * before its handshake, so its socket is closed at once.
 */
export function limitConnections(server: HttpServer | HttpsServer, limits: ConnectionLimits, counts: Map<string, number>, headers: RawHeaders, tls: boolean): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // how often Node looks for timed-out requests (30 s by default, too coarse for the timeouts)
  (server as HttpServer & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(5_000, Math.max(100, limits.headersTimeoutMs / 4));
  // Node answers a missing Host with an empty 400; the app answers it in JSON instead (app.ts)
  (server as HttpServer & { requireHostHeader: boolean }).requireHostHeader = false;
  // no proxying here: a JSON 400, then the socket closes (an Upgrade offer, such as curl's h2c,
  // has no listener on purpose: Node then serves it as the plain HTTP/1.1 request it also is)
  server.on('connect', (_req, socket: Duplex) => answerRaw(socket, 400, 'Bad Request', MALFORMED, headers));
  if (limits.perAddress <= 0) return;
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const open = (counts.get(address) ?? 0) + 1;
    counts.set(address, open);
    socket.once('close', () => {
      const left = (counts.get(address) ?? 1) - 1;
      if (left <= 0) counts.delete(address);
      else counts.set(address, left);
    });
    if (open <= limits.perAddress) return;
    if (tls) socket.destroy();
    else answerRaw(socket, 503, 'Service Unavailable', { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many connections from this address' }, headers);
  });
}
