import { Encoded } from '../../rest/encoded.js';
import { readQueues, subscribeUser, unsubscribeUser } from '../../events/v2/log.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { acknowledges, pageArgs } from '../imbotv2/events.js';

/*
 * im.v2.Event.* (api-reference/chat-bots/chat-bots-v2/im.v2/events/): the calling user's own ONIMV2* queue. Subscribing
 * starts recording, unsubscribing stops it (recorded events stay until acknowledged or expired,
 * api-reference/chat-bots/chat-bots-v2/im.v2/events/event-unsubscribe.md); `get` reads and acknowledges like imbot.v2.Event.get, and without a subscription simply
 * finds nothing.
 */

async function subscribe(call: MethodCall): Promise<true> {
  await subscribeUser(call.ctx, call.caller.userId);
  return true;
}

async function unsubscribe(call: MethodCall): Promise<true> {
  await unsubscribeUser(call.ctx, call.caller.userId);
  return true;
}

async function get(call: MethodCall): Promise<unknown> {
  const { offset, limit } = pageArgs(call.params);
  const { page, bytes, plainBytes } = await readQueues(call.ctx, [call.caller.userId], offset, limit);
  return new Encoded(page, undefined, plainBytes, bytes);
}

export const imV2EventsMethods: MethodSpec[] = [
  { name: 'im.v2.Event.subscribe', scope: 'im', write: true, handler: subscribe },
  { name: 'im.v2.Event.unsubscribe', scope: 'im', write: true, handler: unsubscribe },
  { name: 'im.v2.Event.get', scope: 'im', write: acknowledges, handler: get },
];
