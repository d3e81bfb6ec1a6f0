import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { apiErrors } from './api-errors.js';

/** SHA-256 first, so every comparison is over 32 bytes and a key's length does not leak either. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * `Authorization: Bearer <key>` against API_KEYS. Every configured key is compared, in constant time,
 * whatever matched before, so the response time says nothing about which key or prefix was close.
 * With no keys configured every request is refused: an API that enqueues bots is never open by default.
 */
export function apiKeyAuth(keys: readonly string[] | undefined): MiddlewareHandler {
  const digests = (keys ?? []).filter((k) => k.length > 0).map(digest);
  return async (c, next) => {
    if (digests.length === 0) {
      throw apiErrors.unauthorized('No API keys are configured: set API_KEYS (comma-separated) to use /v1');
    }
    const header = c.req.header('Authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) throw apiErrors.unauthorized('Missing API key: send Authorization: Bearer <key>');
    const given = digest(match[1]);
    let ok = false;
    for (const expected of digests) ok = timingSafeEqual(given, expected) || ok;
    if (!ok) throw apiErrors.unauthorized('Invalid API key');
    await next();
  };
}
