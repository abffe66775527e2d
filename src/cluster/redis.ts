import { Redis } from 'ioredis';
import { workCounters } from '../util/work-counters.js';

/**
 * The two Redis connections a node keeps: one for commands (leases, limit counters, control
 * state, publishing) and one in subscriber mode (a connection that subscribes can run nothing
 * else). ioredis reconnects by itself and subscribes again. A command sent while Redis is away
 * waits through a few reconnection attempts (COMMAND_RETRIES, about a second at first, a few
 * seconds in a long outage), then fails: a REST call that needs Redis (the limiters' counters)
 * answers an error instead of waiting for Redis however long it takes, and `/__ready` says why. Every key and channel starts with the prefix (`--redis-prefix`, default `imbot:`), so
 * several clusters (or test runs) can share one Redis.
 */
export interface RedisLinks {
  cmd: Redis;
  sub: Redis;
  prefix: string;
  close(): Promise<void>;
}

/** How long a start waits for Redis before it gives up with a clear message. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Reconnection attempts a command on the command connection waits through before it fails (the
 * subscriber connection's SUBSCRIBE waits for good: it must be there once Redis is back).
 */
const COMMAND_RETRIES = 3;

/** A Redis URL as it may be printed: without its password. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://…';
  }
}

async function connectOne(url: string, name: string, retries: number | null): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectionName: name, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: retries });
  // errors while reconnecting are expected (a restarting Redis); the commands waiting report theirs
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactRedisUrl(url)}: ${(err as Error).message}`);
  }
  return redis;
}

export async function openRedis(url: string, prefix: string, nodeId: string): Promise<RedisLinks> {
  const cmd = await connectOne(url, `imbot-${nodeId}`.replace(/[^A-Za-z0-9_.:-]/g, '_'), COMMAND_RETRIES);
  let sub: Redis;
  try {
    sub = await connectOne(url, `imbot-${nodeId}-sub`.replace(/[^A-Za-z0-9_.:-]/g, '_'), null);
  } catch (err) {
    cmd.disconnect();
    throw err;
  }
  // every command of the command connection, for the counters (scripts also by name, LuaScript)
  const send = cmd.sendCommand;
  cmd.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    workCounters.add('redis.commands');
    return send.apply(this, args);
  } as Redis['sendCommand'];
  return {
    cmd,
    sub,
    prefix,
    async close() {
      await Promise.allSettled([cmd.quit(), sub.quit()]);
    },
  };
}

/**
 * A Lua script run with EVALSHA (loaded once per connection by ioredis's script cache,
 * EVAL when Redis answers NOSCRIPT).
 */
export class LuaScript {
  private readonly name: string;

  constructor(
    private readonly redis: Redis,
    name: string,
    lua: string,
    keys: number,
  ) {
    this.name = `imbot_${name}`;
    if (!(this.name in redis)) redis.defineCommand(this.name, { lua, numberOfKeys: keys });
  }

  run<T = unknown>(keys: string[], args: (string | number)[]): Promise<T> {
    workCounters.add(`redis.script.${this.name.slice('imbot_'.length)}`);
    const fn = (this.redis as unknown as Record<string, (...a: (string | number)[]) => Promise<T>>)[this.name]!;
    return fn.call(this.redis, ...keys, ...args);
  }
}
