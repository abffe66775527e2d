import { firstBotOf, type BotRow } from '../../bots/lifecycle.js';
import { resolveOwner } from '../../bots/owner.js';
import { cachedRead } from '../../context.js';
import { botToOperator, finishSession, sendAutoMessage, transferSession, type TransferTarget } from '../../openlines/sessions.js';
import { RestError } from '../../rest/errors.js';
import { intval, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';

/*
 * imopenlines.bot.session.* (api-reference/imopenlines/openlines/chat-bots/): how an open-line
 * bot steers its dialog. Each refuses browser sessions; transfer and finish act as the first bot
 * of the calling application (its OAuth client id, or CLIENT_ID / a v2 botToken for webhooks).
 * transfer reads its parameters as given (no upper-casing), the others take any case, as the
 * portal's handlers do.
 */

const Errors = {
  sessionAuth: () => new RestError('WRONG_AUTH_TYPE', 'Access for this method not allowed by session authorization.', 403),
  chatIdEmpty: () => new RestError('CHAT_ID_EMPTY', "Chat ID can't be empty"),
  userIdEmpty: () => new RestError('USER_ID_EMPTY', "User ID can't be empty"),
  queueIdEmpty: () => new RestError('QUEUE_ID_EMPTY', "QUEUE ID can't be empty"),
  transferIdEmpty: () => new RestError('TRANSFER_ID_EMPTY', "Queue ID or User ID can't be empty"),
  botNotFound: () => new RestError('BOT_ID_ERROR', 'Bot not found'),
  operatorWrong: () => new RestError('OPERATOR_WRONG', 'You can not redirect to this operator'),
  notBot: () => new RestError('WRONG_CHAT', 'Operator is not a bot'),
};

function refuseSession(call: MethodCall): void {
  if (call.caller.authType === 'session') throw Errors.sessionAuth();
}

function chatIdOf(P: Record<string, unknown>): number {
  const id = intval(P.CHAT_ID);
  if (id <= 0) throw Errors.chatIdEmpty();
  return id;
}

/** The application's first bot: the one the portal acts as. */
async function appBot(call: MethodCall, P: Record<string, unknown>): Promise<BotRow> {
  const owner = resolveOwner(call.caller, P.CLIENT_ID);
  const bot = owner ? await cachedRead(call.ctx, `bot:first:${owner.appId}`, ['bots'], () => firstBotOf(call.ctx.db, owner.appId)) : undefined;
  if (!bot) throw Errors.botNotFound();
  return bot;
}

async function messageSend(call: MethodCall): Promise<true> {
  refuseSession(call);
  const P = upperKeys(call.params);
  const chatId = chatIdOf(P);
  await sendAutoMessage(call.ctx, chatId, phpString(P.NAME), phpString(P.MESSAGE));
  return true;
}

async function operator(call: MethodCall): Promise<true> {
  refuseSession(call);
  const chatId = chatIdOf(upperKeys(call.params));
  if (!(await botToOperator(call.ctx, chatId))) throw Errors.notBot();
  return true;
}

/** USER_ID, else QUEUE_ID, else TRANSFER_ID (`queue<N>` or a user id). */
function transferTarget(P: Record<string, unknown>): TransferTarget {
  let userParam = P.USER_ID;
  let queueParam = P.QUEUE_ID;
  if (P.TRANSFER_ID !== undefined && P.TRANSFER_ID !== null) {
    const t = phpString(P.TRANSFER_ID);
    if (t.startsWith('queue')) queueParam = t.slice(5);
    else userParam = t;
  }
  if (userParam !== undefined && userParam !== null) {
    const userId = intval(userParam);
    if (userId <= 0) throw Errors.userIdEmpty();
    return { userId };
  }
  if (queueParam !== undefined && queueParam !== null) {
    const queueId = intval(queueParam);
    if (queueId <= 0) throw Errors.queueIdEmpty();
    return { queueId };
  }
  throw Errors.transferIdEmpty();
}

async function transfer(call: MethodCall): Promise<true> {
  refuseSession(call);
  const P = call.params;
  const leave = P.LEAVE === 'Y';
  const chatId = chatIdOf(P);
  const target = transferTarget(P);
  const bot = await appBot(call, P);
  if (!(await transferSession(call.ctx, chatId, bot.bot_id, target, leave))) throw Errors.operatorWrong();
  return true;
}

async function finish(call: MethodCall): Promise<true> {
  refuseSession(call);
  const P = upperKeys(call.params);
  const chatId = chatIdOf(P);
  await appBot(call, P);
  await finishSession(call.ctx, chatId);
  return true;
}

export const openLinesBotMethods: MethodSpec[] = [
  { name: 'imopenlines.bot.session.message.send', scope: 'imopenlines', altScopes: ['imbot'], write: true, handler: messageSend },
  { name: 'imopenlines.bot.session.operator', scope: 'imopenlines', altScopes: ['imbot'], write: true, handler: operator },
  { name: 'imopenlines.bot.session.transfer', scope: 'imopenlines', altScopes: ['imbot'], write: true, handler: transfer },
  { name: 'imopenlines.bot.session.finish', scope: 'imopenlines', altScopes: ['imbot'], write: true, handler: finish },
];
