import type { Profile } from '../context.js';

/**
 * The real `HandlerHelper::checkCallback` (imbot-v1.md §2.2.1): a URL needs a host containing a
 * dot not at position 0 (so `localhost` fails) and an http/https scheme. In the `dev` profile any
 * non-empty host passes, so bots on localhost or a CI service name (`bot:3000`) get their events.
 */
export function handlerUrlProblem(url: string, profile: Profile): 'Wrong handler URL' | 'Unsupported handler protocol' | null {
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

/** Webhook bots' handler URLs carry the raw CLIENT_ID so their events can be told apart. */
export function withClientId(url: string, clientId: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}CLIENT_ID=${clientId}`;
}
