import type { FastifyInstance } from 'fastify';
import type { RequestFilter, RequestLog } from '../../rest/request-log.js';
import { sendError, sendJson } from './reply.js';

const MAX_LIMIT = 1000;

class FilterError extends Error {}

function int(q: Record<string, string | undefined>, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = q[key];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new FilterError(`${key} must be an integer from ${min} to ${max}`);
  return n;
}

/** `since`: portal time in ms, or an ISO 8601 date. */
function time(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new FilterError('since is a time in ms or an ISO 8601 date');
  return n;
}

export function parseRequestFilter(q: Record<string, string | undefined>): RequestFilter {
  const caller = q.caller || undefined;
  if (caller !== undefined && !/^(webhook|app|session|user):.+$/.test(caller)) {
    throw new FilterError('caller is webhook:ID, app:CLIENT_ID, session:USER_ID or user:ID');
  }
  return {
    method: q.method || undefined,
    status: int(q, 'status', 100, 599),
    error: q.error || undefined,
    caller,
    since: time(q.since),
    after: int(q, 'after', 0),
    limit: int(q, 'limit', 1, MAX_LIMIT) ?? 100,
  };
}

/**
 * The request log under the control API: `GET /__control/requests` (newest first; filters
 * method, status, error, caller, since, after, limit) and `DELETE /__control/requests`.
 */
export function registerRequestRoutes(app: FastifyInstance, log: RequestLog): void {
  app.get('/__control/requests', async (req, reply) => {
    let filter: RequestFilter;
    try {
      filter = parseRequestFilter(req.query as Record<string, string | undefined>);
    } catch (err) {
      if (err instanceof FilterError) return sendError(reply, 400, 'INVALID_FILTER', err.message);
      throw err;
    }
    return sendJson(reply, 200, { requests: log.list(filter) });
  });
  app.delete('/__control/requests', async (_req, reply) => {
    log.clear();
    return sendJson(reply, 200, { requests: [] });
  });
}
