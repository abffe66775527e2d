import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { callJson, httpsJson, type Answer, type TestPortal } from './server.js';

/*
 * Chatbots 2.0 test helpers: register a webhook-token bot and call `imbot.v2.*` / `im.v2.*`
 * methods with a JSON body, as the quick-start does.
 */

export interface V2BotOptions {
  code: string;
  /** defaults to `tok_<code>` (must stay within 40 characters) */
  botToken?: string;
  /** bot | supervisor | personal | openline | network */
  type?: string;
  /** fetch (the default) | webhook */
  eventMode?: string;
  webhookUrl?: string;
  /** properties.name; defaults to the code */
  name?: string;
}

/** The whole answer (`status`, parsed `body`, `headers`, raw `text`), usable with assertError. */
export type V2Answer = Answer;

/** POST `params` as JSON to `${hook ?? portal.adminHook}/${method}`. */
export async function v2call(portal: TestPortal, method: string, params: Record<string, unknown> = {}, hook?: string): Promise<V2Answer> {
  return callJson(hook ?? portal.adminHook, method, params);
}

/** Registers a v2 bot through the admin webhook and returns its id and token. */
export async function registerV2Bot(portal: TestPortal, opts: V2BotOptions, hook?: string): Promise<{ botId: number; botToken: string }> {
  const botToken = opts.botToken ?? `tok_${opts.code}`.slice(0, 40);
  const fields: Record<string, unknown> = { code: opts.code, properties: { name: opts.name ?? opts.code } };
  if (opts.type !== undefined) fields.type = opts.type;
  if (opts.eventMode !== undefined) fields.eventMode = opts.eventMode;
  if (opts.webhookUrl !== undefined) fields.webhookUrl = opts.webhookUrl;
  const a = await v2call(portal, 'imbot.v2.Bot.register', { botToken, fields }, hook);
  assert.equal(a.status, 200, `imbot.v2.Bot.register ${opts.code}: ${JSON.stringify(a.body)}`);
  return { botId: a.body.result.bot.id, botToken };
}

/**
 * The same JSON call over the portal's HTTPS port, trusting its local CA (the `cloud` profile
 * refuses webhook calls over plain HTTP; node's fetch cannot take a CA).
 */
export function v2callHttps(portal: TestPortal, method: string, params: Record<string, unknown> = {}): Promise<V2Answer> {
  return httpsJson(`${portal.https}/rest/1/${portal.adminCode}/${method}`, params, readFileSync(portal.server.caPath));
}
