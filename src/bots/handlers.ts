import { isIP } from 'node:net';
import type { Profile } from '../context.js';
import { inRanges, isPublicAddress, SYSTEM_HANDLER_NET, type HandlerNet } from '../util/addresses.js';

export type HandlerProblem = 'Wrong handler URL' | 'Unsupported handler protocol';


/**
 * The real `HandlerHelper::checkCallback` (api-reference/chat-bots/outdated/bots/imbot-register.md; the portal's behaviour; the page is silent): a URL needs a host containing a
 * dot not at position 0 (so `localhost` fails) and an http/https scheme. In the `dev` profile any
 * non-empty host passes, so bots on localhost or a CI service name (`bot:3000`) get their events.
 * The host is the WHATWG parser's, which already turns `2130706433`, `0x7f000001`, `0177.0.0.1`
 * and `127.1` into `127.0.0.1` — the same parse the sender connects with.
 */
export function handlerUrlSyntax(url: string, profile: Profile): HandlerProblem | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Wrong handler URL';
  }
  const host = parsed.hostname;
  const hostOk = profile === 'dev' ? host.length > 0 : host.indexOf('.') > 0;
  if (!hostOk) return 'Wrong handler URL';
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'Unsupported handler protocol';
  return null;
}

/** The outcome of resolving a handler URL's host under `cloud`. */
export type HandlerTarget =
  | { kind: 'ok'; address: string | null }
  | { kind: 'refused'; problem: HandlerProblem; why: string }
  | { kind: 'unresolved'; why: string };

const allowed = (ip: string, net: HandlerNet) => isPublicAddress(ip) || inRanges(ip, net.allowPrivate);

/**
 * Checks a handler URL and, under `cloud`, where its host points: an IP literal or every address
 * the name resolves to must be public (or inside `--allow-private`); one private answer is enough
 * to refuse (a name may resolve to several). `address` is the checked address the request must
 * connect to (null under `dev`, where nothing is resolved).
 */
export async function handlerTarget(url: string, profile: Profile, net: HandlerNet = SYSTEM_HANDLER_NET): Promise<HandlerTarget> {
  const problem = handlerUrlSyntax(url, profile);
  if (problem) return { kind: 'refused', problem, why: problem };
  if (profile === 'dev') return { kind: 'ok', address: null };
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else if (/(^|\.)localhost\.?$/i.test(host)) addresses = ['127.0.0.1']; // RFC 6761: loopback whatever the resolver says
  else {
    try {
      addresses = await net.resolve(host);
    } catch (err) {
      return { kind: 'unresolved', why: `cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
    if (addresses.length === 0) return { kind: 'unresolved', why: `cannot resolve ${host}: no address` };
  }
  const bad = addresses.find((a) => !allowed(a, net));
  if (bad !== undefined) return { kind: 'refused', problem: 'Wrong handler URL', why: `${host} is ${bad}, not a public address` };
  return { kind: 'ok', address: addresses[0]! };
}

/**
 * What registration (imbot.register/update, command handlers, v2 webhookUrl, event.bind) says of
 * a handler URL: the portal's error text or null. A name that does not resolve now is accepted (a
 * real portal does not resolve at all); every delivery checks again and connects only to the
 * address it checked.
 */
export async function handlerUrlProblem(url: string, ctx: { profile: Profile; handlerNet?: HandlerNet }): Promise<HandlerProblem | null> {
  const target = await handlerTarget(url, ctx.profile, ctx.handlerNet);
  return target.kind === 'refused' ? target.problem : null;
}

/** Webhook bots' handler URLs carry the raw CLIENT_ID so their events can be told apart. */
export function withClientId(url: string, clientId: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}CLIENT_ID=${clientId}`;
}
