// A complete test of an echo bot with Node's test runner: `node --test echo-bot.test.mjs`.
// The bot is a plain HTTP handler; imbot-server/testing starts a portal in the test process.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { startPortal } from 'imbot-server/testing';

let portal;
let bot;
let handler;

before(async () => {
  portal = await startPortal({
    seed: { people: [{ id: 7, name: 'Ann' }] },
  });
  // The bot: answers every ONIMBOTMESSAGEADD by echoing the text back through the REST API.
  handler = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      res.end('ok');
      const form = new URLSearchParams(body);
      if (form.get('event') !== 'ONIMBOTMESSAGEADD') return;
      await portal.call('imbot.message.add', {
        BOT_ID: bot.id,
        CLIENT_ID: 'echo-client',
        DIALOG_ID: form.get('data[PARAMS][DIALOG_ID]'),
        MESSAGE: `You said: ${form.get('data[PARAMS][MESSAGE]')}`,
      });
    });
  });
  await new Promise((r) => handler.listen(0, '127.0.0.1', r));
  bot = await portal.addBot({ code: 'echo', clientId: 'echo-client', handler: `http://127.0.0.1:${handler.address().port}/` });
});

after(async () => {
  handler.close();
  await portal.close();
});

test('the bot echoes what Ann writes', async () => {
  await portal.sendAs(7, bot.id, 'hello');
  const event = await portal.waitForEvent((e) => e.event === 'ONIMBOTMESSAGEADD');
  assert.equal(event.body.data.PARAMS.MESSAGE, 'hello');
  // wait for the answer to land in Ann's dialog with the bot
  for (let i = 0; i < 200; i++) {
    const texts = (await portal.messages(bot.id, { as: 7 })).map((m) => m.text);
    if (texts.includes('You said: hello')) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail('no echo');
});
