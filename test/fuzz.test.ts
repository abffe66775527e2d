import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Fuzzer } from '../bench/fuzzer.js';
import { assertResult, callJson, request, startPortal, type TestPortal } from './helpers/server.js';

/*
 * Issue 19, item 6: the fuzz findings, then a seeded, bounded fuzz run over every route. The
 * server runs in this process, so the prototypes checked are the server's own. `npm run fuzz`
 * runs the same fuzzer for 50,000 requests (docs/SECURITY.md).
 */

describe('fuzzing', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('imbot.v2.Bot.list {"offset":1e20} lists nothing (PHP reads it as a 64-bit integer past every row)', async () => {
    const res = assertResult(await callJson(p.adminHook, 'imbot.v2.Bot.list', { botToken: 'fuzz', offset: 1e20 }));
    assert.deepEqual(res, { bots: [], users: [], hasNextPage: false });
    assertResult(await callJson(p.adminHook, 'imbot.v2.Bot.list', { botToken: 'fuzz', offset: -1e20, limit: 1e20 }));
  });

  it('user.get NAME[0][x]=1 matches nobody (an array is "Array" to the filter), no 500', async () => {
    const a = await request(`${p.adminHook}/user.get?NAME[0][x]=1`);
    assert.equal(a.status, 200, a.text);
    assert.deepEqual(a.body.result, []);
    const b = await request(`${p.adminHook}/user.get?FILTER[NAME][0][x]=1&FILTER[%ID][y]=2`);
    assert.equal(b.status, 200, b.text);
  });

  it('300 seeded requests: JSON answers, no 5xx, no stack text, no pollution, healthy after', async () => {
    const report = await new Fuzzer(p.server, 19).run(300, 4);
    assert.equal(report.requests, 300);
    assert.deepEqual(report.serverErrors, []);
    assert.deepEqual(report.nonJson, []);
    assert.deepEqual(report.stacks, []);
    assert.deepEqual(report.pollution, []);
    assert.equal((await request(`${p.http}/`)).status, 200);
    assertResult(await request(`${p.adminHook}/server.time`));
  });
});
