import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EVENT_FAULT_KINDS, FAULT_KINDS, isEventFault, type FaultInput, type FaultPlan } from '../harness/faults.js';
import { portalError } from '../rest/injectable-errors.js';
import { phpJson } from '../rest/php.js';
import type { MethodRegistry } from '../rest/registry.js';

const FaultBody = z
  .object({
    kind: z.enum(FAULT_KINDS as [string, ...string[]]),
    method: z.string().min(1).optional(),
    event: z.string().regex(/^[A-Za-z0-9_]+$/).optional(),
    times: z.number().int().min(1).nullable().optional(),
    probability: z.number().gt(0).max(1).optional(),
    after: z.number().int().min(0).optional(),
    ms: z.number().int().min(0).max(600_000).optional(),
    error: z.string().regex(/^[A-Za-z0-9_]+$/).optional(),
    status: z.number().int().min(400).max(599).optional(),
    description: z.string().optional(),
  })
  .strict();

/** A fault body checked against its kind; a problem is described in words. */
export function parseFault(raw: unknown, registry: MethodRegistry): FaultInput | string {
  const parsed = FaultBody.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    if (i.code === 'unrecognized_keys') return `unknown key ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `${i.path.join('.') || 'body'}: ${i.message}`;
  }
  const b = parsed.data;
  const kind = b.kind as FaultInput['kind'];
  const onlyFor = (key: keyof typeof b, kinds: string[]) => (b[key] !== undefined && !kinds.includes(kind) ? `"${key}" is for ${kinds.join(', ')} only` : null);
  const misplaced =
    onlyFor('after', ['store_failure']) ??
    onlyFor('ms', ['latency', 'event_delay']) ??
    onlyFor('error', ['error']) ??
    onlyFor('status', ['error']) ??
    onlyFor('description', ['error']) ??
    onlyFor('event', [...EVENT_FAULT_KINDS]) ??
    onlyFor('method', FAULT_KINDS.filter((k) => !isEventFault(k)));
  if (misplaced) return misplaced;
  if (!isEventFault(kind) && (b.method === undefined || (b.method !== '*' && !registry.get(b.method)))) return `"method": an existing method or "*" is needed for ${kind}`;
  if ((kind === 'latency' || kind === 'event_delay') && b.ms === undefined) return `"ms" is needed for ${kind}`;
  const fault: FaultInput = {
    kind,
    method: b.method,
    event: b.event,
    // with a probability and no count, a fault stays until removed
    remaining: b.times === undefined ? (b.probability !== undefined ? null : 1) : b.times,
    probability: b.probability ?? 1,
    after: b.after ?? 0,
    ms: b.ms,
  };
  if (kind === 'error') {
    if (b.error === undefined && b.status === undefined) return '"error" (a code) or "status" is needed for error';
    const known = b.error !== undefined ? portalError(b.error) : undefined;
    fault.error = {
      code: b.error ?? 'INTERNAL_SERVER_ERROR',
      status: b.status ?? known?.status ?? (b.error === undefined ? 500 : 400),
      description: b.description ?? known?.description ?? (b.error === undefined ? 'Internal server error' : ''),
    };
  }
  return fault;
}

/** `/__control/faults`: arm, list and remove scripted faults (src/harness/faults.ts). */
export function registerFaultRoutes(app: FastifyInstance, faults: FaultPlan, registry: MethodRegistry): void {
  const send = (reply: any, status: number, body: unknown) =>
    reply.code(status).header('content-type', 'application/json; charset=utf-8').send(phpJson(body));

  app.get('/__control/faults', async (_req, reply) => send(reply, 200, { faults: faults.list() }));
  app.delete('/__control/faults', async (_req, reply) => {
    faults.clear();
    return send(reply, 200, { faults: [] });
  });
  app.delete('/__control/faults/:id', async (req, reply) => {
    const id = Number((req.params as { id: string }).id);
    if (!Number.isInteger(id) || !faults.remove(id)) return send(reply, 404, { error: 'FAULT_NOT_FOUND', error_description: 'No armed fault with this id' });
    return send(reply, 200, { faults: faults.list() });
  });
  app.post('/__control/faults', async (req, reply) => {
    let raw: unknown = {};
    try {
      raw = Buffer.isBuffer(req.body) && req.body.length > 0 ? JSON.parse(req.body.toString('utf8')) : {};
    } catch {
      return send(reply, 400, { error: 'INVALID_FAULT', error_description: 'The body is not JSON' });
    }
    const fault = parseFault(raw, registry);
    if (typeof fault === 'string') return send(reply, 400, { error: 'INVALID_FAULT', error_description: fault });
    const armed = faults.arm(fault);
    return send(reply, 200, { fault: armed, faults: faults.list() });
  });
}
