import type { FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import { phpJson } from '../rest/php.js';

/**
 * `GET /__health` and `GET /__ready` for load balancers and orchestrators (README, "Running a
 * cluster"). Both are outside /rest and outside the control API's gate: they say nothing a
 * client could misuse (no data, no versions, no addresses) and a balancer probing from another
 * machine holds no control token.
 *
 * - `/__health` (liveness): 200 whenever this process still serves HTTP, draining included.
 * - `/__ready` (readiness): 200 when every dependency answers (the store; Redis when the node
 *   runs with `--redis`), 503 when one does not or when the node is shutting down (SIGTERM), so
 *   the balancer stops sending it new calls before it goes away.
 */

/** A dependency's check: resolves when it answers, throws (or takes too long) when it does not. */
export type Probe = () => Promise<void>;

/** How long one probe may take before the dependency counts as not answering. */
export const PROBE_TIMEOUT_MS = 2000;

export class Readiness {
  private readonly probes = new Map<string, Probe>();
  private draining = false;

  /** Adds (or replaces) the check of one dependency, e.g. `store`, `redis`. */
  add(name: string, probe: Probe): void {
    this.probes.set(name, probe);
  }

  /** The node is shutting down: from now on it is not ready, whatever its dependencies say. */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Runs every probe at once; `checks` maps each to `ok` or why it failed. */
  async check(timeoutMs = PROBE_TIMEOUT_MS): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const names = [...this.probes.keys()];
    const results = await Promise.all(names.map((name) => withTimeout(this.probes.get(name)!, timeoutMs)));
    const checks: Record<string, string> = {};
    names.forEach((name, i) => (checks[name] = results[i]!));
    return { ready: !this.draining && results.every((r) => r === 'ok'), checks };
  }
}

async function withTimeout(probe: Probe, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer in ${ms} ms`), ms);
  });
  try {
    return await Promise.race([
      probe().then(
        () => 'ok',
        // only the message: connection errors carry no secrets, but a URL could; keep it short
        (err: unknown) => `error: ${String((err as Error)?.message ?? err).replace(/\/\/[^@/\s]*@/g, '//…@').slice(0, 200)}`,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness, node = `${hostname()}:${process.pid}`): void {
  app.get('/__health', async (_req, reply) => {
    reply
      .code(200)
      .header('content-type', JSON_TYPE)
      .header('cache-control', 'no-store')
      .send(phpJson({ status: readiness.isDraining ? 'draining' : 'ok', node, uptime: Math.floor(process.uptime()) }));
  });
  app.get('/__ready', async (_req, reply) => {
    const { ready, checks } = await readiness.check();
    const status = ready ? 'ready' : readiness.isDraining ? 'draining' : 'unavailable';
    reply
      .code(ready ? 200 : 503)
      .header('content-type', JSON_TYPE)
      .header('cache-control', 'no-store')
      .send(phpJson({ status, node, checks }));
  });
}
