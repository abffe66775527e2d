import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerBuffers } from '../src/server/answer-buffers.js';

/* Memory for large answers (src/server/answer-buffers.ts): a block is used again only after `give`. */
describe('answer buffers', () => {
  it('hands out a block only once until it is given back; small answers are not pooled', () => {
    const pool = new AnswerBuffers(1 << 20, 64 << 10);
    const a = pool.take(100_000);
    const b = pool.take(100_000);
    assert.equal(a.length, 100_000);
    assert.notEqual(a.buffer, b.buffer, 'two answers in flight never share memory');
    pool.give(a);
    const c = pool.take(70_000);
    assert.equal(c.buffer, a.buffer, 'a finished answer’s block is used again');
    assert.equal(c.length, 70_000);
    assert.notEqual(pool.take(100_000).buffer, a.buffer, 'and not twice');
    const small = pool.take(1000);
    pool.give(small);
    assert.ok(small.buffer.byteLength < 64 << 10 || small.byteOffset > 0, 'a small answer comes from node’s own pool');
    // a block too small for the answer is not handed out; the pool holds at most its limit
    pool.give(c);
    assert.notEqual(pool.take(200_000).buffer, a.buffer);
    const many = Array.from({ length: 12 }, () => pool.take(100_000));
    for (const m of many) pool.give(m);
    const again = new Set(Array.from({ length: 12 }, () => pool.take(100_000).buffer));
    assert.ok(many.filter((m) => again.has(m.buffer)).length <= 8, 'at most 1 MiB of 128 KiB blocks kept');
  });
});
