import { randomUUID } from 'node:crypto';
import type { DomainCtx } from '../context.js';
import type { Db } from '../store/db.js';
import { insertDelivery, listDeliveries } from '../store/repos/outbox.js';
import { encodePhpForm } from './form.js';

/*
 * The delivery side of the outbox as the server and the CLI show it. The rows and their queries
 * are in src/store/repos/outbox.ts; the worker (worker.ts) sends them.
 */
export { laneBatch, laneHeads, recordAttempts, resendDelivery } from '../store/repos/outbox.js';
export type { Attempted, AttemptResult, LaneHead, Outcome, OutboxRow } from '../store/repos/outbox.js';

/** One POST to a handler, as the outbox keeps it. */
export interface Delivery {
  event: string;
  bindingId: number;
  /** the ordering lane (the owning application) */
  lane: string;
  handlerUrl: string;
  /** the body to POST, form-encoded when sent */
  body: unknown;
  /** the moment it becomes due (default: now on the context's clock) */
  dueAt?: number;
}

/**
 * Writes a delivery in the caller's transaction under a fresh event id (sent as
 * X-Imbot-Event-Id); the caller nudges the worker (signal.ts).
 */
export async function writeDelivery(ctx: DomainCtx, d: Delivery): Promise<void> {
  const now = ctx.clock.now();
  await insertDelivery(ctx.db, {
    uid: randomUUID(),
    event_name: d.event,
    binding_id: d.bindingId,
    lane: d.lane,
    handler_url: d.handlerUrl,
    payload: JSON.stringify(d.body),
    created_at: now,
    next_attempt_at: d.dueAt ?? now,
  });
}

export interface LogFilter {
  /** only deliveries whose last attempt failed (given up, or waiting for a retry) */
  failed?: boolean;
  event?: string;
  id?: number;
  limit?: number;
}

export interface LogEntry {
  id: number;
  event_id: string;
  event: string;
  event_handler_id: number;
  handler_url: string;
  app: string;
  status: string;
  attempts: number;
  created_at: number;
  next_attempt_at: number | null;
  delivered_at: number | null;
  last_status: number | null;
  last_error: string;
  /** the exact form body sent */
  body: string;
  tries: { attempt: number; at: number; duration_ms: number; http_status: number | null; error: string; response: string }[];
}

/** The delivery log, newest first. */
export async function deliveryLog(db: Db, f: LogFilter = {}): Promise<LogEntry[]> {
  const found = await listDeliveries(db, { id: f.id, event: f.event?.toUpperCase(), failed: f.failed, limit: f.limit ?? 100 });
  return found.map(({ row: r, attempts }) => ({
    id: r.id,
    event_id: r.uid,
    event: r.event_name,
    event_handler_id: r.binding_id,
    handler_url: r.handler_url,
    app: r.lane,
    status: r.status,
    attempts: r.attempts,
    created_at: r.created_at,
    next_attempt_at: r.status === 'pending' ? r.next_attempt_at : null,
    delivered_at: r.delivered_at,
    last_status: r.last_status,
    last_error: r.last_error,
    body: encodePhpForm(JSON.parse(r.payload)),
    tries: attempts.map((a) => ({ attempt: a.attempt, at: a.started_at, duration_ms: a.duration_ms, http_status: a.http_status, error: a.error, response: a.response })),
  }));
}
