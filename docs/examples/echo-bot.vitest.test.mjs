// The same echo-bot test with Vitest: `npx vitest run echo-bot.vitest.test.mjs`.
// (Jest: the same code with Jest's globals; drop the vitest import.)
import { createServer } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startPortal } from 'imbot-server/testing';

let portal;
let bot;
let handler;

beforeAll(async () => {
  portal = await startPortal({ seed: { people: [{ id: 7, name: 'Ann' }] } });
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

afterAll(async () => {
  handler.close();
  await portal.close();
});

test('the bot echoes what Ann writes', async () => {
  await portal.sendAs(7, bot.id, 'hello');
  const event = await portal.waitForEvent((e) => e.event === 'ONIMBOTMESSAGEADD');
  expect(event.body.data.PARAMS.MESSAGE).toBe('hello');
  await expect
    .poll(async () => (await portal.messages(bot.id, { as: 7 })).map((m) => m.text), { timeout: 5000, interval: 25 })
    .toContain('You said: hello');
});
