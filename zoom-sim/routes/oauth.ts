import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import type { SimContext } from '../sim-context.js';
import { injectedFault } from './injected-faults.js';
import { limitBody } from './json-body.js';
import { addedLatency } from './rate-limited.js';

/** What Zoom's S2S app is granted; the sim grants every scope the runner uses. */
const SCOPE = 'user:read:admin user:write:admin user:read:zak user:read:token user:write:picture';

/** Zoom's OAuth server answers errors in OAuth's own shape, not the REST `{code, message}`. */
function oauthError(c: Context, status: 400 | 401, error: string, reason: string): Response {
  return c.json({ reason, error }, status);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `Authorization: Basic base64(clientId:clientSecret)` → true when it names this sim's app. */
function checkClient(header: string | undefined, context: SimContext): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const { clientId, clientSecret } = context.config;
  return sameSecret(decoded.slice(0, colon), clientId) && sameSecret(decoded.slice(colon + 1), clientSecret);
}

/** Zoom reads the parameters from the query string or a form body; the query wins when both have one. */
async function oauthParams(c: Context): Promise<Record<string, string | undefined>> {
  const fromBody: Record<string, string> = {};
  const type = c.req.header('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    try {
      for (const [key, value] of new URLSearchParams(await c.req.text())) fromBody[key] = value;
    } catch {
      // An unreadable body leaves only the query string, which then lacks the parameters: a 400.
    }
  }
  return {
    grant_type: c.req.query('grant_type') ?? fromBody.grant_type,
    account_id: c.req.query('account_id') ?? fromBody.account_id,
  };
}

export function registerOAuthRoutes(app: Hono, context: SimContext): void {
  app.post(
    '/oauth/token',
    addedLatency(context),
    injectedFault(context, 'oauth'),
    limitBody(16 * 1024),
    async (c) => {
      if (!checkClient(c.req.header('authorization'), context)) {
        return oauthError(c, 401, 'invalid_client', 'Invalid client_id or client_secret');
      }
      const params = await oauthParams(c);
      if (params.grant_type !== 'account_credentials') {
        return oauthError(c, 400, 'unsupported_grant_type', 'Unsupported grant type');
      }
      if (!params.account_id) return oauthError(c, 400, 'invalid_request', 'Missing account_id');
      if (params.account_id !== context.config.accountId) {
        return oauthError(c, 400, 'invalid_request', 'Invalid account_id');
      }
      const { token, expiresInSec } = context.tokens.issueAccessToken(context.config.accessTokenTtlSec);
      context.stats.oauthTokensIssued += 1;
      return c.json({
        access_token: token,
        token_type: 'bearer',
        expires_in: expiresInSec,
        scope: SCOPE,
        // Zoom answers `https://api.zoom.us`; clients append `/v2`.
        api_url: context.baseUrl(),
      });
    },
  );
}
