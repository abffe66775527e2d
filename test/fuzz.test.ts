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

  it('a multipart form cut short inside a file part is answered, and the server lives on', async () => {
    const body = '--b\r\ncontent-disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhalf a fi';
    const res = await request(`${p.adminHook}/server.time`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b' }, body });
    assert.ok(res.status < 500, res.text);
    assert.ok(res.body && typeof res.body === 'object', res.text);
    assertResult(await request(`${p.adminHook}/server.time`));
  });

  it('3,000 seeded requests: JSON answers, no 5xx, no stack text, no pollution, healthy after', async () => {
    const report = await new Fuzzer(p.server, 19).run(3000, 4);
    assert.equal(report.requests, 3000);
    assert.deepEqual(report.serverErrors, []);
    assert.deepEqual(report.nonJson, []);
    assert.deepEqual(report.stacks, []);
    assert.deepEqual(report.pollution, []);
    assert.equal((await request(`${p.http}/`)).status, 200);
    assertResult(await request(`${p.adminHook}/server.time`));
  });
});
