import type { Hono } from 'hono';
import { z } from 'zod';
import type { SimContext } from '../sim-context.js';
import { injectedFault } from './injected-faults.js';
import { parseWith } from './json-body.js';
import { rateLimited } from './rate-limited.js';
import { findUser } from './user-lookup.js';

/** Zoom: ZAK ttl defaults to 2 hours, at most one year. */
export const ZAK_DEFAULT_TTL_SEC = 7200;
export const ZAK_MAX_TTL_SEC = 31_536_000;
/** OBF tokens are short-lived and single use; the sim gives them Zoom's default 2 hours. */
export const OBF_TTL_SEC = 7200;

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'Must be a whole number.')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const tokenQuery = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('zak'),
    ttl: wholeNumber(1, ZAK_MAX_TTL_SEC).optional(),
  }),
  z.object({
    type: z.literal('onbehalf'),
    meeting_id: z.string().regex(/^\d{9,12}$/, 'Must be a meeting number of 9 to 12 digits.'),
  }),
]);

/** `GET /v2/users/:userId/token?type=zak&ttl=` and `?type=onbehalf&meeting_id=`: category Light. */
export function registerUserTokenRoute(app: Hono, context: SimContext): void {
  app.get(
    '/v2/users/:userId/token',
    injectedFault(context, 'userToken'),
    rateLimited(context, 'light'),
    (c) => {
      const user = findUser(context, c.req.param('userId'));
      const query = parseWith(tokenQuery, c.req.query());
      if (query.type === 'zak') {
        const { token } = context.tokens.mint('zak', user.id, query.ttl ?? ZAK_DEFAULT_TTL_SEC);
        context.stats.zakMinted += 1;
        return c.json({ token });
      }
      const { token } = context.tokens.mint('obf', user.id, OBF_TTL_SEC, query.meeting_id);
      context.stats.obfMinted += 1;
      return c.json({ token });
    },
  );
}
