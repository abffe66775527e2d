import { Command, InvalidArgumentError } from 'commander';
import type { RequestEntry } from '../rest/request-log.js';
import { controlClient, withControlOptions, type ControlOptions } from './control-client.js';

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** One line per call: id, time, caller, method, status, error, duration; batch commands indented. */
export function formatRequest(e: RequestEntry): string {
  const time = new Date(e.time).toISOString().slice(11, 23);
  const head = e.parent_id !== null ? `  ↳ ${e.id}` : String(e.id);
  const outcome = e.error ? `${e.status} ${e.error}` : String(e.status);
  return [head, time, e.caller ?? '-', e.method, outcome, `${e.duration_ms.toFixed(1)} ms`].join('\t');
}

interface Options extends ControlOptions {
  follow: boolean;
  json: boolean;
  method?: string;
  status?: string;
  error?: string;
  caller?: string;
  since?: string;
  limit: number;
}

/**
 * `imbot-server requests`: the running server's request log, oldest first. `--follow` keeps
 * printing new calls as they come (polling the control API); `--json` prints one JSON entry a line.
 */
export function requestsCommand(defaultData: string): Command {
  const cmd = new Command('requests').description("show the running server's request log (REST calls and batch commands)");
  withControlOptions(cmd, defaultData)
    .option('-f, --follow', 'keep printing new calls', false)
    .option('--json', 'one JSON entry per line', false)
    .option('--method <name>', 'only this method (a trailing * matches a prefix)')
    .option('--status <code>', 'only this HTTP status')
    .option('--error <code>', 'only this error code (* = any error)')
    .option('--caller <who>', 'webhook:ID, app:CLIENT_ID, session:USER_ID or user:ID')
    .option('--since <time>', 'ISO date or ms')
    .option('--limit <n>', 'at most this many (before following)', positive, 100)
    .action(async (o: Options) => {
      const client = controlClient(o);
      const query = (after?: number, limit = o.limit) => {
        const q = new URLSearchParams();
        for (const k of ['method', 'status', 'error', 'caller', 'since'] as const) if (o[k] !== undefined) q.set(k, String(o[k]));
        if (after !== undefined) q.set('after', String(after));
        q.set('limit', String(limit));
        return `/__control/requests?${q}`;
      };
      const print = (entries: RequestEntry[]) => {
        for (const e of entries.reverse()) console.log(o.json ? JSON.stringify(e) : formatRequest(e));
      };
      const first = (await client.ok('GET', query())).requests as RequestEntry[];
      let last = first.reduce((m, e) => Math.max(m, e.id), 0);
      print(first);
      if (!o.follow) return;
      await new Promise<void>((resolveStop) => {
        const timer = setInterval(async () => {
          try {
            const entries = (await client.ok('GET', query(last, 1000))).requests as RequestEntry[];
            last = entries.reduce((m, e) => Math.max(m, e.id), last);
            print(entries);
          } catch (err) {
            console.error(`error: ${(err as Error).message}`);
          }
        }, 300);
        const stop = () => {
          clearInterval(timer);
          resolveStop();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
  return cmd;
}
