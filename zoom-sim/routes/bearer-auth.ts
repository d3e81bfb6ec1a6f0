import type { MiddlewareHandler } from 'hono';
import type { SimContext } from '../sim-context.js';
import { zoomErrors } from '../zoom-error.js';

/**
 * The REST API's bearer check: a missing, unknown or expired access token is Zoom's 401 code 124
 * (Zoom does not tell an expired token from a wrong one). Only `/v2` uses it; `/_sim` stays open.
 */
export function bearerAuth(context: SimContext): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1] || !context.tokens.checkAccessToken(match[1])) throw zoomErrors.invalidAccessToken();
    await next();
  };
}
