import type { Hono } from 'hono';
import type { SimContext } from '../sim-context.js';
import { ZoomApiError } from '../zoom-error.js';

/**
 * Where a participant's avatar is served: the user's profile picture, versioned so a new upload
 * changes the URL. `undefined` when the user (id or email) has no picture.
 */
export function avatarUrl(context: SimContext, userId: string): string | undefined {
  const user = context.users.get(userId);
  if (!user) return undefined;
  const picture = context.users.picture(user.id);
  if (!picture) return undefined;
  return `${context.baseUrl()}/_sim/avatars/${encodeURIComponent(user.id)}?v=${picture.version}`;
}

/** `GET /_sim/avatars/:userId`: the picture's bytes. Open, like every `/_sim` route. */
export function registerAvatarRoutes(app: Hono, context: SimContext): void {
  app.get('/_sim/avatars/:userId', (c) => {
    const userId = c.req.param('userId');
    const user = context.users.get(userId);
    const picture = user ? context.users.picture(user.id) : undefined;
    if (!picture) throw new ZoomApiError(404, { code: 1001, message: `User has no picture: ${userId}.` });
    return c.body(new Uint8Array(picture.bytes), 200, {
      'Content-Type': picture.contentType,
      // The URL carries the version, so a cached copy is never stale.
      'Cache-Control': 'public, max-age=86400, immutable',
      // The sim's pages are cross-origin isolated (COEP require-corp): images must opt in.
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
  });
}
