import type { Hono, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { SimContext } from '../sim-context.js';
import { FAULT_STATUSES, FAULT_TARGETS, type FaultStatus, type FaultTarget } from '../store/faults.js';
import { limitBody, readJson } from './json-body.js';

const faultSpec = z
  .strictObject({
    status: z.union(FAULT_STATUSES.map((s) => z.literal(s))),
    count: z.number().int().min(1).max(100_000).optional(),
    forMs: z.number().int().min(1).max(600_000).optional(),
  })
  .nullable();

// Our own API: unknown fields are refused, so a typo ("oauht") is a 400, not a fault never armed.
const faultsBody = z.strictObject(
  Object.fromEntries(FAULT_TARGETS.map((t) => [t, faultSpec.optional()])) as Record<
    FaultTarget,
    z.ZodOptional<typeof faultSpec>
  >,
);

const QPS_MESSAGE = 'You have reached the maximum per-second rate limit for this API. Try again later.';

/** What an armed endpoint answers: Zoom's shapes (OAuth's `{reason, error}` for `/oauth/token`). */
function faultBody(target: FaultTarget, status: FaultStatus): object {
  if (target === 'oauth') {
    return status === 429
      ? { reason: 'Too many requests', error: 'too_many_requests' }
      : { reason: 'Service unavailable', error: 'server_error' };
  }
  return status === 429
    ? { code: 429, message: QPS_MESSAGE }
    : { code: status, message: 'Internal server error.' };
}

/** Answers the request with the armed fault of `target`, if any; otherwise handles it as usual. */
export function injectedFault(context: SimContext, target: FaultTarget): MiddlewareHandler {
  return async (c, next) => {
    const status = context.faults.take(target);
    if (status === undefined) return next();
    if (status === 429) {
      c.header('Retry-After', '1');
      c.header('X-RateLimit-Type', 'QPS');
      if (target === 'userToken') c.header('X-RateLimit-Category', 'Light');
    }
    return c.json(faultBody(target, status), status);
  };
}

/** `GET /_sim/faults` and `PUT /_sim/faults`: arm or clear failures of the OAuth and token endpoints. */
export function registerSimFaultRoutes(app: Hono, context: SimContext): void {
  app.get('/_sim/faults', (c) => c.json(context.faults.view()));

  app.put('/_sim/faults', limitBody(), async (c) => {
    const body = await readJson(c, faultsBody);
    for (const target of FAULT_TARGETS) {
      const spec = body[target];
      if (spec !== undefined) context.faults.set(target, spec);
    }
    return c.json(context.faults.view());
  });
}
