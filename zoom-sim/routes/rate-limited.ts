import { setTimeout as sleep } from 'node:timers/promises';
import type { MiddlewareHandler } from 'hono';
import type { SimContext } from '../sim-context.js';
import type { RateCategory } from '../store/rate-limiter.js';

/** Waits the configured `latencyMs`, as a slow Zoom would, before a request is handled. */
export function addedLatency(context: SimContext): MiddlewareHandler {
  return async (_c, next) => {
    const latencyMs = context.rateLimits.latencyMs;
    if (latencyMs > 0) await sleep(latencyMs);
    await next();
  };
}

/**
 * Charges one request to `category` of the account's budget. The `X-RateLimit-*` headers go on every
 * answer of the route, success or error; a refusal is Zoom's 429 with `Retry-After`.
 */
export function rateLimited(context: SimContext, category: RateCategory): MiddlewareHandler {
  return async (c, next) => {
    const decision = context.rateLimits.take(category);
    for (const [name, value] of Object.entries(decision.headers)) c.header(name, value);
    if (!decision.allowed) {
      context.stats.rateLimited += 1;
      throw decision.error;
    }
    await next();
  };
}
