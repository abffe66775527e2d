import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { LimitsBackend } from '../limits/backend.js';
import { RedisLimitsBackend } from '../limits/redis-backend.js';
import { LocalBus, ON_DEMAND_TOPICS, type ClusterBus } from './bus.js';
import { LocalLeases, type LaneLeases } from './leases.js';
import { LuaScript, openRedis, type RedisLinks } from './redis.js';
import { RedisBus } from './redis-bus.js';
import { RedisLeases } from './redis-leases.js';

export { RECONNECTED } from './redis-bus.js';
export type { ClusterBus } from './bus.js';
export type { LaneLeases } from './leases.js';

/** `--redis-prefix`'s default: every key and channel of a cluster starts with it. */
export const DEFAULT_REDIS_PREFIX = 'imbot:';

/**
 * What the nodes of one portal share beyond the store. Without Redis (one node) every part is
 * local: a bus nobody hears, leases always granted, no shared state, the limiters' memory
 * backend. With Redis (`serve --redis`): pub/sub for signals, lane leases, the limit counters
 * and the control API's state.
 */
export interface Cluster {
  readonly nodeId: string;
  readonly clustered: boolean;
  readonly bus: ClusterBus;
  readonly leases: LaneLeases;
  /** null: the limiters keep their own (in-memory) counters */
  readonly limitsBackend: LimitsBackend | null;
  /** A shared small value (the control API's state) with its version; undefined when none is stored. */
  getShared(name: string): Promise<SharedValue | undefined>;
  /**
   * Stores a shared value under a new version and sends it to the other nodes (bus topic
   * `shared:<name>`, data `{v, s}`), both in one atomic step, so versions go out in order.
   */
  setShared(name: string, value: unknown): Promise<number>;
  /** One round trip to Redis (`/__ready`); resolves at once without Redis. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface SharedValue {
  /** grows with every change (per name) */
  v: number;
  s: unknown;
}

/** INCR the version, store `version JSON`, publish the bus message: one step. */
const SET_SHARED = `
local v = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[2], v .. ' ' .. ARGV[1])
redis.call('PUBLISH', ARGV[4], '{"f":' .. ARGV[2] .. ',"t":' .. ARGV[3] .. ',"d":{"v":' .. v .. ',"s":' .. ARGV[1] .. '}}')
return v`;

export interface ClusterOptions {
  /** redis://… (absent: one node, nothing shared) */
  redis?: string;
  /** key and channel prefix (default `imbot:`) */
  prefix?: string;
  /** this node's name (default host:pid:random, unique even for two servers in one process) */
  nodeId?: string;
  logError: (err: unknown, where: string) => void;
}

export function defaultNodeId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export async function openCluster(opts: ClusterOptions): Promise<Cluster> {
  const nodeId = opts.nodeId ?? defaultNodeId();
  if (!opts.redis) {
    return {
      nodeId,
      clustered: false,
      bus: new LocalBus(nodeId),
      leases: new LocalLeases(),
      limitsBackend: null,
      getShared: async () => undefined,
      setShared: async () => 0,
      ping: async () => {},
      close: async () => {},
    };
  }
  const links: RedisLinks = await openRedis(opts.redis, opts.prefix ?? DEFAULT_REDIS_PREFIX, nodeId);
  try {
    const bus = new RedisBus(links, nodeId, opts.logError, ON_DEMAND_TOPICS);
    await bus.start();
    const leases = new RedisLeases(links, nodeId, opts.logError);
    const sharedKey = (name: string) => `${links.prefix}shared:${name}`;
    const setShared = new LuaScript(links.cmd, 'set_shared', SET_SHARED, 2);
    return {
      nodeId,
      clustered: true,
      bus,
      leases,
      limitsBackend: new RedisLimitsBackend(links),
      async getShared(name) {
        const text = await links.cmd.get(sharedKey(name));
        const space = text === null ? -1 : text.indexOf(' ');
        return text === null || space < 0 ? undefined : { v: Number(text.slice(0, space)), s: JSON.parse(text.slice(space + 1)) };
      },
      async setShared(name, value) {
        const key = sharedKey(name);
        const args = [JSON.stringify(value), JSON.stringify(nodeId), JSON.stringify(`shared:${name}`), bus.channel];
        return Number(await setShared.run([`${key}:version`, key], args));
      },
      async ping() {
        await links.cmd.ping();
      },
      async close() {
        await leases.releaseAll();
        await links.close();
      },
    };
  } catch (err) {
    await links.close();
    throw err;
  }
}
