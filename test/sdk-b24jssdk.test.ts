import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { dirname, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AjaxError, B24Hook } from '@bitrix24/b24jssdk';
import { startPortal, type TestPortal } from './helpers/server.js';

/**
 * The official JS SDK (`@bitrix24/b24jssdk`) against the portal. `B24Hook` insists on HTTPS, so it talks
 * to the portal's HTTPS URL and trusts the generated local CA; TLS verification stays on throughout.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** Calls through the SDK's v2 action; resolves to `{result, time}` (the SDK throws AjaxError on errors). */
async function call(hook: B24Hook, method: string, params: Record<string, unknown> = {}): Promise<{ result: any; time: any }> {
  const answer = await hook.actions.v2.call.make<any>({ method, params });
  assert.equal(answer.isSuccess, true, `${method} should succeed`);
  return answer.getData() as { result: any; time: any };
}

/** Calls a method expected to fail and returns what the SDK exposes about the error. */
async function sdkError(hook: B24Hook, method: string, params: Record<string, unknown> = {}) {
  try {
    await hook.actions.v2.call.make({ method, params });
  } catch (err) {
    assert.ok(err instanceof AjaxError, `expected an AjaxError, got ${err}`);
    return { code: err.code, status: err.status, message: err.message };
  }
  assert.fail(`${method} should have failed`);
}

function assertTime(time: any): void {
  for (const key of ['start', 'finish', 'duration', 'processing', 'operating', 'operating_reset_at']) {
    assert.equal(typeof time?.[key], 'number', `time.${key} is a number`);
  }
  assert.equal(typeof time.date_start, 'string');
  assert.equal(typeof time.date_finish, 'string');
}

describe('b24jssdk B24Hook over HTTPS', () => {
  let p: TestPortal;
  let hook: B24Hook;
  before(async () => {
    p = await startPortal();
    // axios (inside the SDK) uses Node's https global agent: trust the portal's CA there.
    https.globalAgent.options.ca = readFileSync(p.server.caPath);
    hook = B24Hook.fromWebhookUrl(`${p.https}/rest/1/${p.adminCode}`);
  });
  after(() => p.stop());

  it('calls server.time and profile and exposes result and time', async () => {
    const fixed = Date.UTC(2031, 4, 6, 7, 8, 9);
    p.server.clock.set(fixed);
    p.server.clock.freeze();
    try {
      const now = await call(hook, 'server.time');
      assert.equal(new Date(now.result).getTime(), fixed);
      assertTime(now.time);
    } finally {
      p.server.clock.unfreeze();
    }

    // the deprecated callMethod path must work too: plenty of code still uses it
    const profile = (await hook.callMethod('profile')).getData() as { result: any; time: any };
    assert.deepEqual(profile.result, {
      ID: '1',
      ADMIN: true,
      NAME: 'Admin',
      LAST_NAME: '',
      PERSONAL_GENDER: '',
      TIME_ZONE: '',
      TIME_ZONE_OFFSET: 0,
    });
    assertTime(profile.time);
  });

  it('registers a bot, lists it, sends a message, reads it back and unregisters', async () => {
    const owner = { CLIENT_ID: 'sdk-client' };
    const reg = await call(hook, 'imbot.register', {
      ...owner,
      CODE: 'sdk_bot',
      EVENT_HANDLER: 'http://127.0.0.1:9/handler',
      PROPERTIES: { NAME: 'SDK Bot', COLOR: 'GREEN' },
    });
    const botId = reg.result;
    assert.ok(Number.isInteger(botId) && botId > 1, `bot id ${botId}`);

    const list = await call(hook, 'imbot.bot.list');
    assert.deepEqual(list.result[String(botId)], { ID: botId, NAME: 'SDK Bot', CODE: 'sdk_bot', OPENLINE: 'N' });

    const text = 'Привет from the SDK — ✓ 🤖';
    const sent = await call(hook, 'imbot.message.add', { ...owner, BOT_ID: botId, DIALOG_ID: '1', MESSAGE: text });
    assert.ok(Number.isInteger(sent.result) && sent.result > 0, `message id ${sent.result}`);

    const history = await call(hook, 'im.dialog.messages.get', { DIALOG_ID: String(botId) });
    const mine = history.result.messages.find((m: any) => m.id === sent.result);
    assert.ok(mine, 'the sent message is in the dialog history');
    assert.equal(mine.text, text);
    assert.equal(mine.author_id, botId);

    const gone = await call(hook, 'imbot.unregister', { ...owner, BOT_ID: botId });
    assert.equal(gone.result, true);
    assert.deepEqual(await sdkError(hook, 'imbot.unregister', { ...owner, BOT_ID: botId }), {
      code: 'BOT_ID_ERROR',
      status: 400,
      message: 'Bot not found',
    });
  });

  it('surfaces an unknown method as ERROR_METHOD_NOT_FOUND', async () => {
    assert.deepEqual(await sdkError(hook, 'no.such.method'), {
      code: 'ERROR_METHOD_NOT_FOUND',
      status: 404,
      message: 'Method not found!',
    });
  });

  it('surfaces a wrong webhook secret as INVALID_CREDENTIALS', async () => {
    const wrong = B24Hook.fromWebhookUrl(`${p.https}/rest/1/wrongsecret0000x`);
    assert.deepEqual(await sdkError(wrong, 'server.time'), {
      code: 'INVALID_CREDENTIALS',
      status: 401,
      message: 'Invalid request credentials',
    });
  });

  it('works in a plain node process trusting the CA via NODE_EXTRA_CA_CERTS, and only then', async () => {
    const script = `
      import { B24Hook } from '@bitrix24/b24jssdk';
      const hook = B24Hook.fromWebhookUrl(process.argv[1]);
      try {
        const answer = await hook.actions.v2.call.make({ method: 'server.time' });
        console.log(JSON.stringify({ result: answer.getData().result }));
      } catch (err) {
        console.log(JSON.stringify({ code: err.code }));
      }`;
    const child = async (env: NodeJS.ProcessEnv) => {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, `${p.https}/rest/1/${p.adminCode}/`], {
        cwd: repoRoot,
        env,
      });
      return JSON.parse(stdout.trim().split('\n').pop()!);
    };
    const { NODE_EXTRA_CA_CERTS: _ignored, NODE_TLS_REJECT_UNAUTHORIZED: _also, ...clean } = process.env;
    const trusted = await child({ ...clean, NODE_EXTRA_CA_CERTS: p.server.caPath });
    assert.match(trusted.result, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    const untrusted = await child(clean);
    assert.deepEqual(untrusted, { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });
});
