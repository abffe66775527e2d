/**
 * Manual blocks, the platform's "REST API is blocked due to overload" switch: a blocked webhook or
 * application answers `OVERLOAD_LIMIT` on every call (checked in auth/authenticate.ts) until
 * unblocked. Each returns whether such a webhook/application exists.
 */
export { setAppBlocked } from '../store/repos/apps.js';
export { setWebhookBlocked } from '../store/repos/webhooks.js';
