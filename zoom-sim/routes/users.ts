import type { Hono } from 'hono';
import { z } from 'zod';
import type { SimContext } from '../sim-context.js';
import { DuplicateUserError, type SimUser } from '../store/users.js';
import { ZoomApiError } from '../zoom-error.js';
import { avatarUrl } from './avatars.js';
import { bearerAuth } from './bearer-auth.js';
import { limitBody, parseWith, readJson } from './json-body.js';
import { addedLatency, rateLimited } from './rate-limited.js';
import { userBasics } from './user-fields.js';
import { findUser } from './user-lookup.js';
import { registerUserPictureRoute } from './user-picture.js';
import { registerUserTokenRoute } from './user-token.js';
import { registerUserListRoute } from './users-list.js';

const name = z.string().max(64);

// Zoom ignores fields it does not know in its own bodies, so these schemas are not strict.
const createUserBody = z.object({
  action: z.enum(['create', 'autoCreate', 'custCreate', 'ssoCreate']),
  user_info: z.object({
    email: z.email().max(128),
    // 1 basic, 2 licensed, 3 on-prem (legacy): the types the sim's directory stores.
    type: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    first_name: name.optional(),
    last_name: name.optional(),
    display_name: name.optional(),
  }),
});

const deleteQuery = z.object({
  action: z.enum(['disassociate', 'delete']).default('disassociate'),
});

/** `GET /v2/users/:userId`'s body: the fields of Zoom's answer the sim can fill. */
export function userView(context: SimContext, user: SimUser) {
  const pic = avatarUrl(context, user.id);
  return {
    ...userBasics(user),
    account_id: context.config.accountId,
    login_types: user.can_login ? [100] : [],
    ...(pic ? { pic_url: pic } : {}),
  };
}

/** The REST API under `/v2`, every route behind the bearer check and charged to its Zoom category. */
export function registerUserRoutes(app: Hono, context: SimContext): void {
  app.use('/v2/*', addedLatency(context), bearerAuth(context));
  registerUserTokenRoute(app, context);
  registerUserPictureRoute(app, context);
  registerUserListRoute(app, context);

  app.post('/v2/users', rateLimited(context, 'light'), limitBody(), async (c) => {
    const body = await readJson(c, createUserBody);
    try {
      const user = context.users.create({
        ...body.user_info,
        // custCreate users exist only for the API: they cannot sign in (they still get ZAKs).
        can_login: body.action !== 'custCreate',
      });
      return c.json(
        {
          id: user.id,
          first_name: user.first_name,
          last_name: user.last_name,
          email: user.email,
          type: user.type,
        },
        201,
      );
    } catch (error) {
      if (error instanceof DuplicateUserError) {
        throw new ZoomApiError(409, { code: 1005, message: `User already in the account: ${error.email}` });
      }
      throw error;
    }
  });

  app.get('/v2/users/:userId', rateLimited(context, 'light'), (c) => {
    return c.json(userView(context, findUser(context, c.req.param('userId'))));
  });

  app.delete('/v2/users/:userId', rateLimited(context, 'light'), (c) => {
    const user = findUser(context, c.req.param('userId'));
    // Both actions remove the user from this account; the sim has no other account to leave it in.
    parseWith(deleteQuery, c.req.query());
    context.users.delete(user.id);
    return c.body(null, 204);
  });
}
