import type { LaneLeases } from './leases.js';
import { LuaScript, type RedisLinks } from './redis.js';

/** A lease lives this long unless renewed; a dead node's lanes are taken over after it. */
export const LEASE_TTL_MS = 5000;
/** Held leases are renewed this often (three renewals per lifetime: one late one is harmless). */
const RENEW_MS = 1500;

/** Takes the lease when free, renews it when ours; 1 = held by us now, 0 = another node's. */
const ACQUIRE = `
local v = redis.call('GET', KEYS[1])
if v == false then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Lane leases in Redis: `<prefix>lane:<lane>` holds the node id, with an expiry of
 * LEASE_TTL_MS. Taking, renewing and giving up are each one atomic script, and each checks the
 * holder, so a node never renews or deletes a lease another node took after its own expired.
 */
export class RedisLeases implements LaneLeases {
  readonly shared = true;
  private readonly held = new Set<string>();
  private readonly acquireScript: LuaScript;
  private readonly releaseScript: LuaScript;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly links: RedisLinks,
    private readonly nodeId: string,
    private readonly logError: (err: unknown, where: string) => void,
    private readonly ttlMs = LEASE_TTL_MS,
  ) {
    this.acquireScript = new LuaScript(links.cmd, 'lease_acquire', ACQUIRE, 1);
    this.releaseScript = new LuaScript(links.cmd, 'lease_release', RELEASE, 1);
    this.timer = setInterval(() => void this.renew(), Math.min(RENEW_MS, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  private key(lane: string): string {
    return `${this.links.prefix}lane:${lane}`;
  }

  async acquire(lane: string): Promise<boolean> {
    const ok = (await this.acquireScript.run<number>([this.key(lane)], [this.nodeId, this.ttlMs])) === 1;
    if (ok) this.held.add(lane);
    else this.held.delete(lane);
    return ok;
  }

  holds(lane: string): boolean {
    return this.held.has(lane);
  }

  async release(lane: string): Promise<void> {
    if (!this.held.delete(lane)) return;
    await this.releaseScript.run([this.key(lane)], [this.nodeId]);
  }

  async releaseAll(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...this.held].map((lane) => this.release(lane)));
  }

  /** Renews every held lease; a lease found lost (expired and taken) is dropped from `held`. */
  private async renew(): Promise<void> {
    for (const lane of [...this.held]) {
      if (!this.held.has(lane)) continue;
      try {
        const ok = (await this.acquireScript.run<number>([this.key(lane)], [this.nodeId, this.ttlMs])) === 1;
        if (!ok) this.held.delete(lane);
        // given up while the renewal was on its way (which may have taken it again): give it up
        else if (!this.held.has(lane)) await this.releaseScript.run([this.key(lane)], [this.nodeId]);
      } catch (err) {
        this.logError(err, 'lane lease');
      }
    }
  }
}
