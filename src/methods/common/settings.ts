/**
 * Application data and portal features (api-reference/common/settings/*, common/system/feature-get.md):
 * app.option.get/set, user.option.get/set, feature.get. The option methods need an application
 * (an OAuth token); a webhook gets "Application context required" (api-reference/common/settings/app-option-get.md).
 */
import { GLOBAL_SCOPE } from '../../auth/scopes.js';
import { allOptions, oneOption, setOptions, type OptionOwner } from '../../apps/options.js';
import { RestError, accessDenied } from '../../rest/errors.js';
import { assocOrEmpty, isPhpArray, phpString, upperKeys } from '../../rest/php.js';
import type { MethodCall, MethodSpec } from '../../rest/registry.js';
import { argumentNull, lowerKeys } from './events-args.js';

/** The calling application, or ACCESS_DENIED for webhooks and browser sessions. */
function appOf(call: MethodCall): number {
  if (call.caller.authType !== 'oauth' || call.caller.appId === null) throw accessDenied('Application context required');
  return call.caller.appId;
}

async function optionGet(call: MethodCall, owner: OptionOwner): Promise<unknown> {
  const P = lowerKeys(call.params);
  if (P.option !== undefined && P.option !== null && P.option !== '') return oneOption(call.ctx, owner, phpString(P.option));
  return assocOrEmpty(await allOptions(call.ctx, owner));
}

/**
 * `options`: a non-empty array of key → value, else ERROR_ARGUMENT (ArgumentNullException).
 * Without an `options` key the params themselves are the options (api-reference/common/settings/app-option-set.md).
 */
function optionsParam(call: MethodCall): Record<string, unknown> {
  const given = lowerKeys(call.params).options;
  const options = given === undefined ? call.params : given;
  if (!isPhpArray(options) || Object.keys(options).length === 0) throw argumentNull('options');
  return options as Record<string, unknown>;
}

async function appOptionSet(call: MethodCall): Promise<true> {
  const appId = appOf(call);
  const options = optionsParam(call);
  if (!call.caller.isAdmin) throw accessDenied('Administrator authorization required');
  await setOptions(call.ctx, { appId }, options);
  return true;
}

async function userOptionSet(call: MethodCall): Promise<true> {
  const appId = appOf(call);
  await setOptions(call.ctx, { appId, userId: call.caller.userId }, optionsParam(call));
  return true;
}

/**
 * The features feature.get knows. A self-hosted portal has `rest_offline_extended` (see
 * events-offline.ts); `rest_auth_connector` is off because bindings ignore `auth_connector`
 * (events.ts). Any other code is a feature this portal does not have.
 */
const FEATURES: Record<string, boolean> = { rest_offline_extended: true, rest_auth_connector: false };

function featureGet(call: MethodCall): unknown {
  const code = phpString(upperKeys(call.params).CODE);
  if (code === '') throw new RestError('CODE_EMPTY', "CODE can't be empty");
  return { value: FEATURES[code] ? 'Y' : 'N' };
}

export const settingsMethods: MethodSpec[] = [
  { name: 'app.option.get', scope: GLOBAL_SCOPE, handler: (call) => optionGet(call, { appId: appOf(call) }) },
  { name: 'app.option.set', scope: GLOBAL_SCOPE, write: true, handler: appOptionSet },
  { name: 'user.option.get', scope: GLOBAL_SCOPE, handler: (call) => optionGet(call, { appId: appOf(call), userId: call.caller.userId }) },
  { name: 'user.option.set', scope: GLOBAL_SCOPE, write: true, handler: userOptionSet },
  { name: 'feature.get', scope: GLOBAL_SCOPE, handler: featureGet },
];
