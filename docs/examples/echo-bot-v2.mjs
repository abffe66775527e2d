// A v2 echo bot with b24jssdk in fetch mode: no port to open, it polls imbot.v2.Event.get and
// answers with imbot.v2.Chat.Message.send. README, "First echo bot".
//   NODE_EXTRA_CA_CERTS=.imbot/tls/ca.pem node docs/examples/echo-bot-v2.mjs
import { B24Hook } from '@bitrix24/b24jssdk';

const webhook = process.env.IMBOT_WEBHOOK_URL ?? 'https://127.0.0.1:24443/rest/1/echoadminhook0001/';
const code = process.env.BOT_CODE ?? 'echo2';
const botToken = `${code}-token`; // the bot's secret: every imbot.v2 call of the bot carries it
const b24 = B24Hook.fromWebhookUrl(webhook.replace(/\/$/, ''));
const call = async (method, params) => (await b24.actions.v2.call.make({ method, params })).getData().result;

const known = Object.values(await call('imbot.bot.list', {})).find((b) => b.CODE === code);
const botId = known ? Number(known.ID) : (await call('imbot.v2.Bot.register', { botToken, fields: { code, properties: { name: 'Echo 2' } } })).bot.id;
console.log(`echo bot ${botId} ready (fetch mode)`);
console.log(`write to it as Ann: curl --cacert .imbot/tls/ca.pem ${webhook.replace(/\/rest\/.*$/, '')}/rest/7/annwrites00000007/im.message.add.json -d DIALOG_ID=${botId} -d MESSAGE=hello`);

let offset = 0;
for (;;) {
  const page = await call('imbot.v2.Event.get', { botToken, botId, offset });
  for (const e of page.events) {
    console.log(`event ${e.type}: ${JSON.stringify(e.data)}`);
    if (e.type !== 'ONIMBOTV2MESSAGEADD') continue;
    await call('imbot.v2.Chat.Message.send', { botToken, botId, dialogId: e.data.chat.dialogId, fields: { message: `You said: ${e.data.message.text}` } });
  }
  offset = page.nextOffset; // acknowledges everything below it
  if (!page.hasMore) await new Promise((resolve) => setTimeout(resolve, 500));
}
