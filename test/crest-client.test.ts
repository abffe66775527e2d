import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startPortal, type TestPortal } from './helpers/server.js';

/**
 * A CRest-style client in real PHP (test/clients/crest_style.php): webhook calls are
 * GET `{webhook}{method}.json?{http_build_query(params)}`, the OAuth-style variant POSTs the same
 * `http_build_query` string as an application/x-www-form-urlencoded body.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const script = resolve(repoRoot, 'test/clients/crest_style.php');

type Verb = 'get' | 'post';
interface PhpAnswer {
  status: number;
  body: any;
}

/** Runs the PHP client once; params go in as JSON on stdin, the decoded answer comes out. */
function crest(webhook: string, method: string, params: Record<string, unknown>, verb: Verb): Promise<PhpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('php', [script, webhook, method, verb], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`php exited with ${code}: ${stderr}`));
      const out = JSON.parse(stdout);
      resolvePromise({ status: out.status, body: out.body });
    });
    child.stdin.end(JSON.stringify(params));
  });
}

describe('CRest-style PHP client', () => {
  let p: TestPortal;
  let webhook: string;
  before(async () => {
    p = await startPortal();
    webhook = `${p.adminHook}/`; // CRest's C_REST_WEB_HOOK_URL ends in a slash
  });
  after(() => p.stop());

  const ok = async (verb: Verb, method: string, params: Record<string, unknown> = {}) => {
    const a = await crest(webhook, method, params, verb);
    assert.equal(a.status, 200, `${method}: ${JSON.stringify(a.body)}`);
    assert.equal(typeof a.body.time?.start, 'number', `${method}: time block present`);
    return a.body.result;
  };

  const failing = async (verb: Verb, method: string, params: Record<string, unknown> = {}) => {
    const a = await crest(webhook, method, params, verb);
    return { status: a.status, error: a.body?.error, error_description: a.body?.error_description };
  };

  for (const verb of ['get', 'post'] as const) {
    it(`${verb}: registers a bot (nested PROPERTIES), lists it, messages and reads back unicode text`, async () => {
      const owner = { CLIENT_ID: `crest-${verb}` };
      const name = `Бот ${verb} ☕`;
      const botId = await ok(verb, 'imbot.register', {
        ...owner,
        CODE: `crest_${verb}`,
        EVENT_HANDLER: 'http://127.0.0.1:9/handler?x=1&y=2',
        PROPERTIES: { NAME: name, WORK_POSITION: 'Helper & friend' },
      });
      assert.ok(Number.isInteger(botId) && botId > 1, `bot id ${botId}`);

      const list = await ok(verb, 'imbot.bot.list');
      assert.deepEqual(list[String(botId)], { ID: botId, NAME: name, CODE: `crest_${verb}`, OPENLINE: 'N' });

      // characters http_build_query must escape, multi-byte text and an emoji outside the BMP
      const text = `Привет, мир! a+b=c & d#e [f] 100% ✓ 😀 ${verb}`;
      const messageId = await ok(verb, 'imbot.message.add', { ...owner, BOT_ID: botId, DIALOG_ID: '1', MESSAGE: text });
      assert.ok(Number.isInteger(messageId) && messageId > 0, `message id ${messageId}`);

      const history = await ok(verb, 'im.dialog.messages.get', { DIALOG_ID: String(botId) });
      const sent = history.messages.find((m: any) => m.id === messageId);
      assert.ok(sent, 'the message is in the dialog history');
      assert.equal(sent.text, text);
      assert.equal(sent.author_id, botId);
      const card = history.users.find((u: any) => u.id === botId);
      assert.deepEqual([card?.first_name, card?.work_position, card?.bot], [name, 'Helper & friend', true]);

      assert.equal(await ok(verb, 'imbot.unregister', { ...owner, BOT_ID: botId }), true);
    });

    it(`${verb}: reports an unknown BOT_ID as BOT_ID_ERROR`, async () => {
      assert.deepEqual(await failing(verb, 'imbot.unregister', { CLIENT_ID: 'crest-errors', BOT_ID: 987654 }), {
        status: 400,
        error: 'BOT_ID_ERROR',
        error_description: 'Bot not found',
      });
    });
  }

  it('get: reports an unknown method as ERROR_METHOD_NOT_FOUND', async () => {
    assert.deepEqual(await failing('get', 'no.such.method'), {
      status: 404,
      error: 'ERROR_METHOD_NOT_FOUND',
      error_description: 'Method not found!',
    });
  });
});
