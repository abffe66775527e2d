import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { after, before, beforeEach, describe, it } from 'node:test';
import { B24Hook } from '@bitrix24/b24jssdk';
import { addWebhook } from '../src/auth/webhooks.js';
import { buildCli } from '../src/cli/main.js';
import { callJson, errorOf, request, startPortal, storeArgs, type TestPortal } from './helpers/server.js';

/**
 * The platform's limits (limits.md) driven to their edges on a frozen portal clock: the leaky
 * bucket (503 QUERY_LIMIT_EXCEEDED), the operating-time limiter (429 OPERATION_TIME_LIMIT, the
 * `time.operating*` pair), manual blocks (OVERLOAD_LIMIT) and b24jssdk's own back-off meeting them.
 */

const TOO_MANY = { status: 503, error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' };
const TIME_LIMIT = { status: 429, error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' };

function control(p: TestPortal, method: string, path: string, body?: unknown) {
  return request(`${p.http}/__control/${path}`, {
    method,
    headers: { 'x-imbot-control-token': p.server.controlToken, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Sets limits (and resets every counter), freezing the portal clock so only `advance` moves it. */
async function setLimits(p: TestPortal, body: Record<string, unknown>): Promise<void> {
  const a = await control(p, 'POST', 'limits', { ...body, reset: true });
  assert.equal(a.status, 200, a.text);
  await control(p, 'POST', 'clock', { freeze: true });
}

const advance = (p: TestPortal, ms: number) => control(p, 'POST', 'clock', { advance_ms: ms });

/** `n` calls in a row; the answers' statuses. */
async function statuses(n: number, call: () => Promise<{ status: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await call()).status);
  return out;
}

const repeat = (n: number, status: number) => Array.from({ length: n }, () => status);

/** POST from another loopback source address (a second client machine for the rate limiter). */
function callFrom(localAddress: string, url: string): Promise<{ status: number; body: any }> {
  return new Promise((done, fail) => {
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d));
      res.on('end', () => done({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', fail);
    req.end('{}');
  });
}

/**
 * Runs `fn` while every sleep of a second or more (a timer whose callback is a promise's native
 * `resolve`, as in b24jssdk's `new Promise((resolve) => setTimeout(resolve, ms))`) fires at once and
 * moves the portal clock by its delay instead: the SDK's back-off "waits" without the test waiting.
 * Other timers (the HTTP client's request timeout) run untouched. Returns the delays asked for.
 */
async function withInstantWaits<T>(p: TestPortal, fn: () => Promise<T>): Promise<{ value: T; waits: number[] }> {
  const real = globalThis.setTimeout;
  const waits: number[] = [];
  globalThis.setTimeout = ((cb: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    if (typeof ms === 'number' && ms >= 1000 && /\[native code\]/.test(String(cb))) {
      waits.push(ms);
      p.server.clock.advance(ms);
      return real(cb, 0, ...args);
    }
    return real(cb, ms, ...args);
  }) as typeof setTimeout;
  try {
    return { value: await fn(), waits };
  } finally {
    globalThis.setTimeout = real;
  }
}

describe('limits', () => {
  let p: TestPortal;
  let cloud: TestPortal;
  const time = () => callJson(p.adminHook, 'server.time');
  before(async () => {
    [p, cloud] = await Promise.all([startPortal(), startPortal({ profile: 'cloud' })]);
  });
  after(() => Promise.all([p.stop(), cloud.stop()]));

  it('profiles: dev has no limits, cloud the standard plan and 480 s', async () => {
    assert.deepEqual((await control(p, 'GET', 'limits')).body, { rate: 'off', operating_limit: 'off', costs: {} });
    assert.deepEqual((await control(cloud, 'GET', 'limits')).body, {
      rate: { burst: 50, drain: 2, preset: 'standard' },
      operating_limit: 480,
      costs: {},
    });
    const bad = await control(p, 'POST', 'limits', { rate: 'unlimited' });
    assert.deepEqual([bad.status, bad.body.error], [400, 'INVALID_LIMITS']);
  });

  describe('leaky bucket', () => {
    it('standard: 50 requests in a burst, the 51st is 503; 2 leak out per second', async () => {
      await setLimits(p, { rate: 'standard', operating_limit: 'off' });
      assert.deepEqual(await statuses(50, time), repeat(50, 200));
      assert.deepEqual(errorOf(await time()), TOO_MANY);
      // every request counts, before any method or credential check
      assert.deepEqual(errorOf(await callJson(`${p.http}/rest`, 'server.time')), TOO_MANY);
      await advance(p, 999);
      assert.deepEqual(await statuses(2, time), [200, 503], 'one leaked in 0.999 s');
      await advance(p, 25_000);
      assert.deepEqual(await statuses(51, time), [...repeat(50, 200), 503], 'empty again after 25 s');
    });

    it('counts per client address, and a batch of 50 commands once', async () => {
      await setLimits(p, { rate: 'standard' });
      assert.deepEqual(await statuses(49, time), repeat(49, 200));
      const cmd = Array.from({ length: 50 }, () => 'server.time');
      const full = await callJson(p.adminHook, 'batch', { cmd });
      assert.equal(full.status, 200);
      assert.equal(full.body.result.result.length, 50);
      assert.deepEqual(errorOf(await time()), TOO_MANY);
      const other = await callFrom('127.0.0.2', `${p.adminHook}/server.time`);
      assert.equal(other.status, 200, 'another address has its own bucket');
    });

    it('enterprise: 250 in a burst, 5 a second', async () => {
      await setLimits(p, { rate: 'enterprise' });
      assert.deepEqual(await statuses(251, time), [...repeat(250, 200), 503]);
      await advance(p, 1000);
      assert.deepEqual(await statuses(6, time), [...repeat(5, 200), 503]);
    });

    it('off: no limit', async () => {
      await setLimits(p, { rate: 'off' });
      assert.deepEqual(await statuses(60, time), repeat(60, 200));
    });
  });

  describe('operating time', () => {
    const current = (hook = p.adminHook) => callJson(hook, 'user.current');

    it('blocks a method for its webhook once over the limit; buckets expire 600 s after their first call', async () => {
      await setLimits(p, { rate: 'off', operating_limit: 480, costs: { 'user.current': 100 } });
      const t0 = Math.floor(p.server.clock.now() / 1000);
      const op = async () => {
        const a = await current();
        assert.equal(a.status, 200, a.text);
        return [a.body.time.operating, a.body.time.operating_reset_at];
      };
      assert.deepEqual(await op(), [100, t0 + 600]);
      assert.deepEqual(await op(), [200, t0 + 600]);
      await advance(p, 60_000);
      assert.deepEqual([await op(), await op(), await op()], [[300, t0 + 600], [400, t0 + 600], [500, t0 + 600]], '400 ≤ 480 before the 5th call');
      assert.deepEqual(errorOf(await current()), TIME_LIMIT);

      // other methods and other webhooks are not affected; fast calls record nothing
      const other = await callJson(p.adminHook, 'server.time');
      assert.deepEqual([other.body.time.operating, other.body.time.operating_reset_at], [0, Math.floor(p.server.clock.now() / 1000) + 600]);
      const second = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'user' });
      assert.equal((await current(`${p.http}/rest/1/${second.code}`)).body.time.operating, 100);

      await advance(p, 539_000); // t0 + 599 s: the first bucket (200 s) still counts
      assert.deepEqual(errorOf(await current()), TIME_LIMIT);
      await advance(p, 1_000); // t0 + 600 s: it expires, 300 s remain
      assert.deepEqual(await op(), [400, t0 + 660]);
    });

    it('limits batch commands one by one, never batch itself', async () => {
      await setLimits(p, { operating_limit: 480, costs: { 'user.current': 300 } });
      const a = await callJson(p.adminHook, 'batch', { cmd: ['user.current', 'user.current', 'user.current', 'server.time'] });
      assert.equal(a.status, 200);
      const r = a.body.result;
      assert.deepEqual(Object.keys(r.result), ['0', '1', '3']);
      assert.deepEqual([r.result_time[0].operating, r.result_time[1].operating, r.result_time[3].operating], [300, 600, 0]);
      assert.deepEqual(r.result_error, { 2: { error: TIME_LIMIT.error, error_description: TIME_LIMIT.error_description } });
      assert.equal(a.body.time.operating, 0);
    });

    it('off: costs are never counted', async () => {
      await setLimits(p, { operating_limit: 'off', costs: { 'user.current': 1000 } });
      assert.deepEqual(await statuses(3, current), [200, 200, 200]);
      assert.equal((await current()).body.time.operating, 0);
    });
  });

  describe('manual block (imbot-server block / unblock)', () => {
    const cli = (...args: string[]) => buildCli().exitOverride().parseAsync(['node', 'imbot-server', ...args, ...storeArgs(p.dataDir)]);
    const logged: string[] = [];
    const realLog = console.log;
    beforeEach(() => {
      logged.length = 0;
    });

    it('a blocked webhook answers OVERLOAD_LIMIT until unblocked; others keep working', async () => {
      await setLimits(p, { rate: 'off', operating_limit: 'off' });
      const hook = await addWebhook(p.server.core.store.db, p.server.clock, { userId: 1, scope: 'user' });
      const url = `${p.http}/rest/1/${hook.code}`;
      console.log = (line: string) => logged.push(line);
      try {
        await cli('block', '--data', p.dataDir, '--webhook', hook.code);
        assert.deepEqual(errorOf(await callJson(url, 'user.current')), { status: 401, error: 'OVERLOAD_LIMIT', error_description: 'REST API is blocked due to overload.' });
        assert.equal((await callJson(p.adminHook, 'user.current')).status, 200);
        await cli('unblock', '--data', p.dataDir, '--webhook', hook.code);
        assert.equal((await callJson(url, 'user.current')).status, 200);
        await assert.rejects(cli('block', '--data', p.dataDir, '--app', 'no.such.app'), /no application no\.such\.app/);
        await assert.rejects(cli('block', '--data', p.dataDir));
      } finally {
        console.log = realLog;
      }
      assert.deepEqual(logged, [`blocked webhook ${hook.code}`, `unblocked webhook ${hook.code}`]);
    });
  });

  describe('b24jssdk meets the limits and recovers', () => {
    let sdk: B24Hook;
    beforeEach(() => {
      https.globalAgent.options.ca = readFileSync(p.server.caPath);
      sdk = B24Hook.fromWebhookUrl(`${p.https}/rest/1/${p.adminCode}`); // fresh client-side stats
    });
    const sdkCall = (method: string) => sdk.actions.v2.call.make<any>({ method, params: {} });

    it('503: retries after its back-off once the bucket has leaked', async () => {
      await setLimits(p, { rate: 'standard', operating_limit: 'off' });
      await statuses(50, time); // another client on the same address fills the bucket
      assert.deepEqual(errorOf(await time()), TOO_MANY);
      const { value, waits } = await withInstantWaits(p, () => sdkCall('server.time'));
      assert.equal(value.isSuccess, true);
      assert.ok(waits.length >= 1 && waits.every((w) => w < 10_000), `a short back-off: ${waits}`);
    });

    it('429: waits at least 10 s, then succeeds when the oldest bucket expires', async () => {
      await setLimits(p, { rate: 'off', operating_limit: 480, costs: { 'user.current': 100 } });
      assert.deepEqual(await statuses(5, () => callJson(p.adminHook, 'user.current')), repeat(5, 200));
      assert.deepEqual(errorOf(await callJson(p.adminHook, 'user.current')), TIME_LIMIT);
      await advance(p, 595_000);
      const { value, waits } = await withInstantWaits(p, () => sdkCall('user.current'));
      assert.equal(value.isSuccess, true);
      assert.equal(value.getData()!.time.operating, 100, 'the old bucket is gone');
      assert.ok(waits.some((w) => w >= 10_000), `the SDK's operating back-off: ${waits}`);
    });

    it('its own operating limiter reads time.operating and waits for operating_reset_at', async () => {
      await setLimits(p, { rate: 'off', operating_limit: 480, costs: { 'user.current': 100 } });
      const { value, waits } = await withInstantWaits(p, async () => {
        const seen: number[] = [];
        for (let i = 0; i < 6; i++) seen.push((await sdkCall('user.current')).getData()!.time.operating);
        return seen;
      });
      assert.deepEqual(value, [100, 200, 300, 400, 500, 100]);
      assert.ok(waits.some((w) => w >= 600_000 - 10_000), `waited for the reset: ${waits}`);
    });
  });
});
