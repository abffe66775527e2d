import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grantedScopes, parseScopes } from '../src/auth/scopes.js';
import { isoDate } from '../src/clock.js';
import { toUpperSnake } from '../src/methods/imbotv2/args.js';
import { parseRestPath } from '../src/server/rest-route.js';
import { sameSecret } from '../src/util/secrets.js';

/*
 * What every REST call computes and the server keeps between calls (the formatted second, a
 * parsed path, a scope list, a stored secret's digest, a v2 parameter's upper-case alias) must
 * give what computing it afresh gives, whatever order the inputs come in.
 */

/** PHP `date('c')` computed from scratch, the reference for isoDate. */
function reference(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const local = new Date(ms + off * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(off);
  return `${local}${off >= 0 ? '+' : '-'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

describe('values kept between calls equal values computed afresh', () => {
  it('isoDate: instants of different seconds, interleaved, each formatted as its own second', () => {
    const base = Date.UTC(2026, 11, 4, 17, 0, 59, 999);
    const instants = [base, base + 1, base, base - 998, base - 999, base + 1000, -1, -1000, 0, 999, base + 86_400_000 * 200];
    for (const ms of [...instants, ...instants.reverse()]) assert.equal(isoDate(ms), reference(ms), `at ${ms}`);
  });

  it('sameSecret: the stored side can change between calls; a wrong or missing value never matches', () => {
    assert.equal(sameSecret('a', 'a'), true);
    assert.equal(sameSecret('a', 'b'), false);
    assert.equal(sameSecret('b', 'b'), true);
    assert.equal(sameSecret('a', 'a'), true);
    assert.equal(sameSecret('', ''), true);
    assert.equal(sameSecret(undefined, 'a'), false);
    assert.equal(sameSecret('ab', 'a'), false);
    for (let i = 0; i < 3000; i++) assert.equal(sameSecret(`s${i}`, `s${i % 2000}`), i < 2000, `secret ${i}`);
  });

  it('grantedScopes: the same list as parseScopes, shared and frozen', () => {
    const a = grantedScopes('imbot, IM,user im');
    assert.deepEqual([...a], parseScopes('imbot, IM,user im'));
    assert.equal(grantedScopes('imbot, IM,user im'), a);
    assert.ok(Object.isFrozen(a));
    assert.deepEqual([...grantedScopes('')], []);
    for (let i = 0; i < 600; i++) assert.deepEqual([...grantedScopes(`s${i},im`)], [`s${i}`, 'im']);
  });

  it('parseRestPath: a path parsed again gives the same frozen answer; others their own', () => {
    const hook = parseRestPath('/rest/1/abc/imbot.bot.list.json');
    assert.deepEqual(hook, { method: 'imbot.bot.list', transport: 'json', webhook: { login: '1', code: 'abc' }, api: false });
    assert.equal(parseRestPath('/rest/1/abc/imbot.bot.list.json'), hook);
    assert.ok(Object.isFrozen(hook) && Object.isFrozen(hook!.webhook));
    assert.deepEqual(parseRestPath('/rest/imbot.bot.list.xml'), { method: 'imbot.bot.list', transport: 'xml', webhook: null, api: false });
    assert.equal(parseRestPath('/other/imbot.bot.list'), null);
    assert.equal(parseRestPath('/rest/1/c/%E0%A4%A'), null);
    assert.equal(parseRestPath('/rest/1/c/%E0%A4%A'), null);
    for (let i = 0; i < 1500; i++) assert.equal(parseRestPath(`/rest/${i}/c/m${i}`)?.method, `m${i}`);
    assert.deepEqual(parseRestPath('/rest/1/abc/imbot.bot.list.json'), hook);
  });

  it('toUpperSnake: the alias of a name, whatever came before', () => {
    assert.equal(toUpperSnake('botId'), 'BOT_ID');
    assert.equal(toUpperSnake('isReactionsEnabled'), 'IS_REACTIONS_ENABLED');
    for (let i = 0; i < 5000; i++) assert.equal(toUpperSnake(`name${i}Of`), `NAME${i}_OF`);
    assert.equal(toUpperSnake('botId'), 'BOT_ID');
  });
});
