import type { Hono } from 'hono';
import { z } from 'zod';
import type { SimContext } from '../sim-context.js';
import { zoomErrors } from '../zoom-error.js';
import { parseWith } from './json-body.js';
import { rateLimited } from './rate-limited.js';
import { userBasics } from './user-fields.js';

export const USERS_PAGE_SIZE_DEFAULT = 30;
export const USERS_PAGE_SIZE_MAX = 300;

const listQuery = z.object({
  status: z.enum(['active', 'inactive', 'pending']).default('active'),
  // Zoom caps page_size at 300 rather than refusing a larger one.
  page_size: z
    .string()
    .regex(/^\d+$/, 'Must be a whole number.')
    .transform((v) => Math.min(Number(v), USERS_PAGE_SIZE_MAX))
    .pipe(z.number().int().min(1))
    .default(USERS_PAGE_SIZE_DEFAULT),
  next_page_token: z.string().optional(),
});

/** Opaque to clients, as Zoom's are; here it carries the offset of the next page. */
function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeCursor(token: string): number {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const offset = (value as { o?: unknown }).o;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through to the refusal below
  }
  throw zoomErrors.validation('next_page_token', 'Invalid next_page_token.');
}

/** `GET /v2/users?page_size=&next_page_token=&status=`: category Medium. */
export function registerUserListRoute(app: Hono, context: SimContext): void {
  app.get('/v2/users', rateLimited(context, 'medium'), (c) => {
    const query = parseWith(listQuery, c.req.query());
    const offset = query.next_page_token ? decodeCursor(query.next_page_token) : 0;
    const all = context.users.list().filter((user) => user.status === query.status);
    const page = all.slice(offset, offset + query.page_size);
    const next = offset + page.length;
    return c.json({
      page_count: Math.ceil(all.length / query.page_size),
      page_size: query.page_size,
      total_records: all.length,
      // Zoom sends an empty string on the last page.
      next_page_token: next < all.length ? encodeCursor(next) : '',
      users: page.map(userBasics),
    });
  });
}
