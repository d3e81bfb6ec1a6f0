import type { SimContext } from '../sim-context.js';
import type { SimUser } from '../store/users.js';
import { zoomErrors } from '../zoom-error.js';

/**
 * Finds `/users/{userId}` by id or email, as Zoom does. `me` names the token's own user only for
 * user-level OAuth apps; an S2S token belongs to no user, so the sim refuses it with a clear 400
 * rather than guessing which user was meant.
 */
export function findUser(context: SimContext, userId: string): SimUser {
  if (userId.toLowerCase() === 'me') {
    throw zoomErrors.validation(
      'userId',
      "'me' is not valid with a Server-to-Server OAuth token: pass the user's id or email.",
    );
  }
  const user = context.users.get(userId);
  if (!user) throw zoomErrors.userNotFound(userId);
  return user;
}
