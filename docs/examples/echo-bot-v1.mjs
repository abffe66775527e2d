// A v1 echo bot with b24jssdk: imbot.register with an event handler URL, which the portal POSTs
// ONIMBOTMESSAGEADD to; the bot answers with imbot.message.add. README, "First echo bot".
//   NODE_EXTRA_CA_CERTS=.imbot/tls/ca.pem node docs/examples/echo-bot-v1.mjs
import { createServer } from 'node:http';
import { B24Hook } from '@bitrix24/b24jssdk';

const webhook = process.env.IMBOT_WEBHOOK_URL ?? 'https://127.0.0.1:24443/rest/1/echoadminhook0001/';
const code = process.env.BOT_CODE ?? 'echo';
const clientId = 'echo-bot-example'; // a webhook's bot is owned by this CLIENT_ID
const b24 = B24Hook.fromWebhookUrl(webhook.replace(/\/$/, ''));
const call = async (method, params) => (await b24.actions.v2.call.make({ method, params })).getData().result;

// The event handler: the portal POSTs a PHP-style form (data[PARAMS][MESSAGE]=…).
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', async () => {
    res.end('ok');
    const form = new URLSearchParams(body);
    console.log(`event ${form.get('event')}: ${decodeURIComponent(body)}`);
    if (form.get('event') !== 'ONIMBOTMESSAGEADD') return;
    await call('imbot.message.add', {
      BOT_ID: botId,
      CLIENT_ID: clientId,
      DIALOG_ID: form.get('data[PARAMS][DIALOG_ID]'),
      MESSAGE: `You said: ${form.get('data[PARAMS][MESSAGE]')}`,
    });
  });
});
await new Promise((resolve) => server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', resolve));
const handler = `http://127.0.0.1:${server.address().port}/events`;

// Register the bot (again, if an earlier run left it with another handler URL).
const old = Object.values(await call('imbot.bot.list', {})).find((b) => b.CODE === code);
if (old) await call('imbot.unregister', { BOT_ID: old.ID, CLIENT_ID: clientId });
const botId = await call('imbot.register', { CODE: code, TYPE: 'B', CLIENT_ID: clientId, EVENT_HANDLER: handler, PROPERTIES: { NAME: 'Echo' } });
console.log(`echo bot ${botId} ready, events to ${handler}`);
console.log(`write to it as Ann: curl --cacert .imbot/tls/ca.pem ${webhook.replace(/\/rest\/.*$/, '')}/rest/7/annwrites00000007/im.message.add.json -d DIALOG_ID=${botId} -d MESSAGE=hello`);
