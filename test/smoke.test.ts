import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callJson, errorOf, startPortal, type TestPortal } from './helpers/server.js';

describe('smoke: register, talk, unregister', () => {
  let p: TestPortal;
  before(async () => {
    p = await startPortal();
  });
  after(() => p.stop());

  it('registers a bot, messages a user, and unregisters it', async () => {
    const reg = await callJson(p.adminHook, 'imbot.register', {
      CODE: 'smoke',
      EVENT_HANDLER: 'http://127.0.0.1:9/handler',
      CLIENT_ID: 'smoke-client',
      PROPERTIES: { NAME: 'Smoke' },
    });
    assert.equal(reg.status, 200);
    const botId = reg.body.result;
    assert.equal(typeof botId, 'number');

    const sent = await callJson(p.adminHook, 'imbot.message.add', { CLIENT_ID: 'smoke-client', DIALOG_ID: '1', MESSAGE: 'Hello' });
    assert.equal(typeof sent.body.result, 'number');

    const history = await callJson(p.adminHook, 'im.dialog.messages.get', { DIALOG_ID: String(botId) });
    assert.deepEqual(history.body.result.messages.map((m: any) => m.text), ['Hello']);

    const gone = await callJson(p.adminHook, 'imbot.unregister', { CLIENT_ID: 'smoke-client', BOT_ID: botId });
    assert.equal(gone.body.result, true);
    const again = await callJson(p.adminHook, 'imbot.unregister', { CLIENT_ID: 'smoke-client', BOT_ID: botId });
    assert.deepEqual(errorOf(again), { status: 400, error: 'BOT_ID_ERROR', error_description: 'Bot not found' });
  });
});
