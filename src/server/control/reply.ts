import type { FastifyReply } from 'fastify';
import { phpJson } from '../../rest/php.js';

/** A control-API answer: JSON in the portal's encoding. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson(body));
}

/** A control-API error in the portal's shape. */
export function sendError(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return sendJson(reply, status, { error, error_description: description });
}

/** A JSON object body, or null when the body is not one (an empty body is `{}`). */
export function jsonBody(raw: unknown): Record<string, unknown> | null {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  try {
    const v = JSON.parse(raw.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}
