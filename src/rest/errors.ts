/**
 * A REST error as the portal renders it: `{error, error_description}` plus optional extra keys,
 * with an HTTP status. Texts and statuses follow `error-codes.md` and the method pages under
 * api-reference/chat-bots/outdated/ (with the portal's own texts where the pages are silent).
 */
export class RestError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${code}: ${description}`);
  }

  body(): Record<string, unknown> {
    return { error: this.code, error_description: this.description, ...this.extra };
  }
}

/** `AccessException`: "Access denied!" + optional detail, 403. */
export function accessDenied(detail?: string): RestError {
  return new RestError('ACCESS_DENIED', detail ? `Access denied! ${detail}` : 'Access denied!', 403);
}

/**
 * System errors raised by the core around every method. Statuses follow error-codes.md
 * (the portal's source and the newer docs agree; see docs/COMPATIBILITY.md for the choices).
 */
export const SystemErrors = {
  methodNotFound: () => new RestError('ERROR_METHOD_NOT_FOUND', 'Method not found!', 404),
  noAuthFound: () => new RestError('NO_AUTH_FOUND', 'Wrong authorization data', 401),
  invalidCredentials: () => new RestError('INVALID_CREDENTIALS', 'Invalid request credentials', 401),
  httpsRequired: () => new RestError('INVALID_REQUEST', 'Https required.', 401),
  webhookScope: () =>
    new RestError('insufficient_scope', 'The request requires higher privileges than provided by the webhook token', 401),
  tokenScope: () =>
    new RestError('insufficient_scope', 'The request requires higher privileges than provided by the access token', 401),
  invalidToken: () => new RestError('invalid_token', 'Unable to get application by token', 401),
  expiredToken: () => new RestError('expired_token', 'The access token provided has expired', 401),
  applicationNotFound: () => new RestError('APPLICATION_NOT_FOUND', 'Application not found', 401),
  authorizationError: () => new RestError('authorization_error', 'Unable to authorize user', 401),
  userAccessError: () => new RestError('user_access_error', 'The user does not have access to the application.', 401),
  overload: () => new RestError('OVERLOAD_LIMIT', 'REST API is blocked due to overload.', 401),
  wrongAuthType: () => new RestError('WRONG_AUTH_TYPE', 'Current authorization type is denied for this method', 403),
  wrongTransport: () => new RestError('INTERNAL_WRONG_TRANSPORT', 'Wrong transport!', 500),
  internal: () => new RestError('INTERNAL_SERVER_ERROR', 'Internal server error', 500),
} as const;
