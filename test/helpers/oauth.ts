import assert from 'node:assert/strict';
import { addApp, type NewApp } from '../../src/apps/apps.js';
import type { AppRow } from '../../src/auth/oauth.js';
import type { DomainCtx } from '../../src/context.js';
import type { Hit, Receiver } from './events.js';
import { request, type Answer, type TestPortal } from './server.js';
import { eventPublisher } from '../../src/events/publisher.js';

/** A domain context on the portal's store, as the CLI builds one. */
export function portalCtx(p: TestPortal): DomainCtx {
  return { db: p.server.core.store.db, clock: p.server.clock, portal: p.server.core.portal, profile: 'dev' , events: eventPublisher};
}

/** The `auth[...]` block of an install callback: the app's first token pair. */
export interface InstallAuth {
  access_token: string;
  refresh_token: string;
  application_token: string;
  [key: string]: string;
}

/**
 * Adds a script-only app whose install URL is `receiver` (path `path`) and waits for its
 * ONAPPINSTALL; returns the app row, the callback and its tokens.
 */
export async function installScriptApp(p: TestPortal, receiver: Receiver, path: string, extra: Partial<NewApp> = {}): Promise<{ app: AppRow; hit: Hit; auth: InstallAuth }> {
  const app = await addApp(portalCtx(p), { name: 'Test app', scope: 'imbot,im,user', installUrl: `${receiver.base}${path}`, ...extra });
  const [hit] = await receiver.waitFor(1, (h) => h.url === path && h.form.event === 'ONAPPINSTALL');
  return { app, hit: hit!, auth: hit!.form.auth as InstallAuth };
}

/** GET `/oauth/token/?…` (the documented form). */
export function tokenGet(p: TestPortal, params: Record<string, string>, path = '/oauth/token/'): Promise<Answer> {
  return request(`${p.http}${path}?${new URLSearchParams(params)}`);
}

/** POST `/oauth/token/` with a form body (what the JS SDK and CRest send). */
export function tokenPost(p: TestPortal, params: Record<string, string>, path = '/oauth/token/'): Promise<Answer> {
  return request(`${p.http}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
}

export const refreshParams = (app: AppRow, refreshToken: string): Record<string, string> => ({
  grant_type: 'refresh_token',
  client_id: app.client_id,
  client_secret: app.client_secret,
  refresh_token: refreshToken,
});

/** A REST call with the token in the `auth` parameter of a form body. */
export function restWithAuth(p: TestPortal, method: string, token: string, params: Record<string, string> = {}): Promise<Answer> {
  return request(`${p.http}/rest/${method}.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...params, auth: token }).toString(),
  });
}

/** The keys of a token answer, in the order settings/oauth/index.md shows them. */
export const TOKEN_KEYS = [
  'access_token', 'client_endpoint', 'domain', 'expires', 'expires_in', 'member_id',
  'refresh_token', 'scope', 'server_endpoint', 'status', 'user_id',
];

/** Sends one change to the portal clock (`/__control/clock`). */
async function clockControl(p: TestPortal, change: Record<string, unknown>): Promise<void> {
  const a = await request(`${p.http}/__control/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-imbot-control-token': p.server.controlToken },
    body: JSON.stringify(change),
  });
  assert.equal(a.status, 200, a.text);
}

/** Moves the portal clock (never sleeps). */
export function advance(p: TestPortal, ms: number): Promise<void> {
  return clockControl(p, { advance_ms: ms });
}

/** Stops (or restarts) the portal clock, for assertions on second-resolution timestamps. */
export function freeze(p: TestPortal, frozen: boolean): Promise<void> {
  return clockControl(p, { freeze: frozen });
}
