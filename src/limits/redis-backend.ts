import { BUCKET_MS, BUCKET_TTL_MS, type LimitsBackend, type OperatingUsage } from './backend.js';
import { LuaScript, type RedisLinks } from '../cluster/redis.js';

/**
 * Idle counters are dropped by Redis after a day. Their meaning is in portal time (the caller's
 * `nowMs`, which /__control/clock moves or freezes), so they are not given a shorter real-time
 * expiry than anything a test or a frozen clock could still observe.
 */
const IDLE_EXPIRY_MS = 24 * 3600_000;

/** The leaky bucket of MemoryBackend.admit, as one atomic step. Returns 1 when admitted. */
const ADMIT = `
local now = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local drain = tonumber(ARGV[3])
local s = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = 0
if s[1] then
  local elapsed = now - tonumber(s[2])
  if elapsed < 0 then elapsed = 0 end
  level = tonumber(s[1]) - elapsed / 1000 * drain
  if level < 0 then level = 0 end
end
local ok = 0
if level + 1 <= burst then
  level = level + 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'level', string.format('%.17g', level), 'at', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return ok`;

/**
 * The operating-time buckets of one key (a hash: f<minute> = first call's time, s<minute> =
 * seconds): drops the expired ones, adds ARGV[5] seconds to the current minute's bucket unless it
 * is empty (usage only), and returns {seconds, oldest live bucket's start or ''} as strings.
 */
const OPERATING = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local all = redis.call('HGETALL', KEYS[1])
local firsts, secs = {}, {}
for i = 1, #all, 2 do
  local k = all[i]
  local m = string.sub(k, 2)
  if string.sub(k, 1, 1) == 'f' then firsts[m] = tonumber(all[i + 1]) else secs[m] = tonumber(all[i + 1]) end
end
local total, oldest = 0, nil
for m, f in pairs(firsts) do
  if f + ttl > now then
    total = total + (secs[m] or 0)
    if oldest == nil or f < oldest then oldest = f end
  else
    redis.call('HDEL', KEYS[1], 'f' .. m, 's' .. m)
    firsts[m] = nil
  end
end
if ARGV[5] ~= '' then
  local m = string.format('%d', math.floor(now / tonumber(ARGV[3])))
  local add = tonumber(ARGV[5])
  if firsts[m] == nil then
    redis.call('HSET', KEYS[1], 'f' .. m, ARGV[1], 's' .. m, string.format('%.17g', add))
    if oldest == nil or now < oldest then oldest = now end
  else
    redis.call('HSET', KEYS[1], 's' .. m, string.format('%.17g', (secs[m] or 0) + add))
  end
  total = total + add
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
local o = ''
if oldest ~= nil then o = string.format('%.17g', oldest) end
return {string.format('%.17g', total), o}`;

/**
 * The limiters' counters in Redis, shared by every node of a cluster: one bucket per client
 * address and one set of operating-time buckets per method × app/webhook, whichever node takes
 * the request. Each operation is one Lua script, so concurrent nodes never lose an update.
 * Keys: `<prefix>limits:<key>`.
 */
export class RedisLimitsBackend implements LimitsBackend {
  private readonly admitScript: LuaScript;
  private readonly operatingScript: LuaScript;

  constructor(private readonly links: RedisLinks) {
    this.admitScript = new LuaScript(links.cmd, 'limits_admit', ADMIT, 1);
    this.operatingScript = new LuaScript(links.cmd, 'limits_operating', OPERATING, 1);
  }

  private key(key: string): string {
    return `${this.links.prefix}limits:${key}`;
  }

  async admit(key: string, nowMs: number, burst: number, drainPerSec: number): Promise<boolean> {
    return (await this.admitScript.run<number>([this.key(key)], [nowMs, burst, drainPerSec, IDLE_EXPIRY_MS])) === 1;
  }

  usage(key: string, nowMs: number): Promise<OperatingUsage> {
    return this.operating(key, nowMs, '');
  }

  record(key: string, nowMs: number, seconds: number): Promise<OperatingUsage> {
    return this.operating(key, nowMs, seconds);
  }

  async reset(): Promise<void> {
    const stream = this.links.cmd.scanStream({ match: `${this.links.prefix}limits:*`, count: 500 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await this.links.cmd.del(...keys);
  }

  private async operating(key: string, nowMs: number, add: number | ''): Promise<OperatingUsage> {
    const [seconds, oldest] = await this.operatingScript.run<[string, string]>([this.key(key)], [nowMs, BUCKET_TTL_MS, BUCKET_MS, IDLE_EXPIRY_MS, add]);
    return { seconds: Number(seconds), resetAtMs: oldest === '' ? null : Number(oldest) + BUCKET_TTL_MS };
  }
}
