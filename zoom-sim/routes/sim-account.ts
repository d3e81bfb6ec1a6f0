import type { Hono } from 'hono';
import { z } from 'zod';
import type { SimContext } from '../sim-context.js';
import { limitBody, readJson } from './json-body.js';

const categoryLimit = z.strictObject({
  perSecond: z.number().int().min(1).max(100_000).optional(),
  // null lifts the daily limit (as on Zoom's paid plans).
  perDay: z.number().int().min(1).max(100_000_000).nullable().optional(),
});

// Our own API, not Zoom's: unknown fields are refused so a typo ("lite") is not silently ignored.
const limitsBody = z.strictObject({
  plan: z.enum(['free', 'pro', 'business']).optional(),
  light: categoryLimit.optional(),
  medium: categoryLimit.optional(),
  heavy: categoryLimit.optional(),
  latencyMs: z.number().int().min(0).max(60_000).optional(),
});

/** The account half of the control API under `/_sim` (unauthenticated, like every `/_sim` route). */
export function registerSimAccountRoutes(app: Hono, context: SimContext): void {
  app.get('/_sim/limits', (c) => c.json(context.rateLimits.view()));

  app.put('/_sim/limits', limitBody(), async (c) => {
    const body = await readJson(c, limitsBody);
    return c.json(context.rateLimits.set(body));
  });

  app.get('/_sim/stats', (c) => c.json(context.stats.toJSON()));

  app.get('/_sim/credentials', (c) => {
    const { accountId, clientId, clientSecret, sdkKey, sdkSecret } = context.config;
    const { id, email } = context.users.serviceUser;
    return c.json({ accountId, clientId, clientSecret, sdkKey, sdkSecret, serviceUser: { id, email } });
  });

  app.post('/_sim/tokens/expire', (c) => c.json({ expired: context.tokens.expireAllMeetingTokens() }));
}
