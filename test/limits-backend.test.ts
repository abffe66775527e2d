import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { MemoryBackend, type LimitsBackend } from '../src/limits/backend.js';
import { RedisLimitsBackend } from '../src/limits/redis-backend.js';
import { openRedis, type RedisLinks } from '../src/cluster/redis.js';
import { testRedis } from './helpers/two-nodes.js';

/*
 * The limiters' backend contract: the same cases against the in-memory backend (one node) and
 * the Redis one (a cluster's shared counters, Lua scripts), which must answer alike.
 */

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // on a minute boundary

function contract(name: string, open: () => Promise<LimitsBackend>) {
  describe(`${name} backend`, () => {
    it('leaky bucket: a burst, then one request per leaked slot', async () => {
      const b = await open();
      const admitted = [];
      for (let i = 0; i < 4; i++) admitted.push(await b.admit('rate|a', T0, 3, 1));
      assert.deepEqual(admitted, [true, true, true, false]);
      // half a second leaks half a slot: not enough
      assert.equal(await b.admit('rate|a', T0 + 500, 3, 1), false);
      assert.equal(await b.admit('rate|a', T0 + 1000, 3, 1), true);
      assert.equal(await b.admit('rate|a', T0 + 1000, 3, 1), false);
      // another key has a bucket of its own
      assert.equal(await b.admit('rate|b', T0 + 1000, 3, 1), true);
      // a clock moved back leaks nothing (and adds nothing)
      assert.equal(await b.admit('rate|a', T0, 3, 1), false);
      // a long pause empties the bucket
      const later = [];
      for (let i = 0; i < 4; i++) later.push(await b.admit('rate|a', T0 + 60_000, 3, 1));
      assert.deepEqual(later, [true, true, true, false]);
    });

    it('operating time: minute buckets summed, each living 600 s from its first call', async () => {
      const b = await open();
      assert.deepEqual(await b.usage('op|x', T0), { seconds: 0, resetAtMs: null });
      assert.deepEqual(await b.record('op|x', T0 + 1_000, 0.5), { seconds: 0.5, resetAtMs: T0 + 1_000 + 600_000 });
      // same minute: same bucket (its start stays)
      assert.deepEqual(await b.record('op|x', T0 + 30_000, 0.25), { seconds: 0.75, resetAtMs: T0 + 1_000 + 600_000 });
      // next minute: a new bucket
      assert.deepEqual(await b.record('op|x', T0 + 61_000, 1.25), { seconds: 2, resetAtMs: T0 + 1_000 + 600_000 });
      assert.deepEqual(await b.usage('op|x', T0 + 601_000 - 1), { seconds: 2, resetAtMs: T0 + 601_000 });
      // the first bucket has expired
      assert.deepEqual(await b.usage('op|x', T0 + 601_000), { seconds: 1.25, resetAtMs: T0 + 61_000 + 600_000 });
      assert.deepEqual(await b.usage('op|y', T0 + 601_000), { seconds: 0, resetAtMs: null });
      assert.deepEqual(await b.usage('op|x', T0 + 661_000), { seconds: 0, resetAtMs: null });
    });

    it('reset forgets every counter', async () => {
      const b = await open();
      for (let i = 0; i < 2; i++) await b.admit('rate|r', T0, 2, 1);
      await b.record('op|r', T0, 3);
      await b.reset();
      assert.equal(await b.admit('rate|r', T0, 2, 1), true);
      assert.deepEqual(await b.usage('op|r', T0), { seconds: 0, resetAtMs: null });
    });

    it('concurrent callers share one bucket: exactly `burst` admitted', async () => {
      const b = await open();
      const answers = await Promise.all(Array.from({ length: 60 }, () => b.admit('rate|c', T0, 50, 2)));
      assert.equal(answers.filter(Boolean).length, 50);
    });
  });
}

contract('memory', async () => new MemoryBackend());

const links: RedisLinks[] = [];
contract('Redis', async () => {
  // a prefix per case: the cases never see each other's counters
  const l = await openRedis(await testRedis(), `imbot-test-limits-${randomBytes(4).toString('hex')}:`, 'limits-test');
  links.push(l);
  return new RedisLimitsBackend(l);
});

after(async () => {
  for (const l of links) {
    const keys = await l.cmd.keys(`${l.prefix}*`);
    if (keys.length) await l.cmd.del(...keys);
    await l.close();
  }
});
