import { Command, InvalidArgumentError } from 'commander';
import { LOG_LEVELS, type LogFormat, type LogLevel } from '../server/logger.js';
import type { ServerOptions } from '../server/listen.js';
import { parseDuration } from './duration.js';
import { DEFAULT_DELIVERY } from '../events/worker.js';
import { loadSeedFile } from '../harness/seed/load.js';
import { fileSizeFromMb, MAX_FILE_SIZE_CAP_MB } from '../files/store.js';

export { MAX_FILE_SIZE_CAP_MB };

/** `--max-file-size <MB>`: megabytes (MiB, as the 100 MB default), a positive number up to the cap; bytes. */
export function maxFileSizeMb(value: string): number {
  const bytes = fileSizeFromMb(value.trim() === '' ? NaN : Number(value));
  if (bytes === null) throw new InvalidArgumentError(`megabytes, more than 0 and at most ${MAX_FILE_SIZE_CAP_MB}`);
  return bytes;
}

export interface HarnessCliOptions {
  logLevel: LogLevel;
  logFormat?: LogFormat;
  requestLogSize: number;
  requestLogAge: number;
  nodeId?: string;
  seed?: string;
  delivery: 'once' | 'retry';
  retryFor: number;
}

function logLevel(v: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${LOG_LEVELS.join(', ')}`);
  return v as LogLevel;
}

function logFormat(v: string): LogFormat {
  if (v !== 'json' && v !== 'pretty') throw new InvalidArgumentError('json or pretty');
  return v;
}

function count(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** The harness's flags of `serve` (and `exec`): logs and the request log. */
export function serveHarnessOptions(cmd: Command): Command {
  return cmd
    .option('--log-level <level>', `structured log level: ${LOG_LEVELS.join(', ')}`, logLevel, 'info' as LogLevel)
    .option('--log-format <format>', 'pretty (default in a terminal) or json (one object per line)', logFormat)
    .option('--request-log-size <n>', 'REST calls kept in the request log', count, 1000)
    .option('--request-log-age <duration>', 'how long the request log keeps a call (e.g. 30m, 24h)', parseDuration, 3_600_000)
    .option('--node-id <name>', "this server's name in the request log (default host:pid)")
    .option('--retry-for <duration>', 'retry: how long a failing event delivery keeps being retried (e.g. 10m, 24h)', parseDuration, DEFAULT_DELIVERY.horizonMs)
    .option('--seed <file>', 'seed the portal from a file (YAML or JSON, see docs/SEED.md); applying it again changes nothing');
}

export function harnessServerOptions(o: HarnessCliOptions): Partial<ServerOptions> {
  return {
    delivery: { policy: o.delivery, horizonMs: o.retryFor },
    logLevel: o.logLevel,
    logFormat: o.logFormat,
    requestLog: { maxEntries: o.requestLogSize, maxAgeMs: o.requestLogAge },
    nodeId: o.nodeId,
    seed: o.seed ? loadSeedFile(o.seed) : undefined,
  };
}
