import { pino, type Logger } from 'pino';
import PinoPretty from 'pino-pretty';

export type LogFormat = 'json' | 'pretty';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The server's structured log (pino, handed to fastify as its logger): one JSON object per line,
 * or — the default when stdout is a terminal — pino-pretty's one readable line per entry.
 * Nothing secret is ever passed to it (see rest/mask.ts).
 */
export function createLogger(level: LogLevel = 'info', format?: LogFormat): Logger {
  if (level === 'silent') return pino({ level: 'silent' });
  const pretty = (format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  if (!pretty) return pino({ level, base: { pid: process.pid } });
  return pino({ level }, PinoPretty({ colorize: !!process.stdout.isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
}

/** One log line per REST call and batch command (info); the masked parameters at debug. */
export function logRequests(log: Logger, requests: { onEntry(fn: (e: import('../rest/request-log.js').RequestEntry) => void): void }): void {
  if (!log.isLevelEnabled('info')) return;
  requests.onEntry((e) => {
    const line = { req: e.id, parent: e.parent_id ?? undefined, method: e.method, status: e.status, error: e.error ?? undefined, caller: e.caller ?? undefined, ms: e.duration_ms };
    if (log.isLevelEnabled('debug')) log.debug({ ...line, params: e.params }, 'rest call');
    else log.info(line, 'rest call');
  });
}
