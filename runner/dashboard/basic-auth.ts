import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

const REALM = 'Basic realm="zoom-bot-runner dashboard", charset="UTF-8"';

/**
 * HTTP basic auth for the operator pages (bull-board and the fleet page share it, and its realm, so a
 * browser asks once). Both sides are hashed before a constant-time comparison, so the comparison
 * takes the same time whatever the length or content of the guess. Refused: 401 with a challenge.
 */
export function basicAuth(user: string, password: string): MiddlewareHandler {
  const expected = digest(`${user}:${password}`);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const given = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    if (!timingSafeEqual(digest(given), expected)) {
      return c.text('Unauthorized', 401, { 'WWW-Authenticate': REALM });
    }
    await next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
