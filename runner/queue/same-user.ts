import type { BotAuth } from '../../shared/bot-request.js';

/** The name the default service user is claimed under when its id or email is not configured. */
export const SERVICE_USER_CLAIM = 'service';

/**
 * The Zoom user a bot will sit in its meeting as, known at enqueue, for the one-user-one-seat rule
 * (docs/contract.md §3). `undefined` means it never conflicts: `pool` picks a free pool user at join time
 * (the worker's `PoolReservations` keeps those apart), `none` joins without a user, and `callback`
 * learns its user only from the caller's token.
 *
 * With `serviceUser` (ZOOM_BOT_USER) configured, the default ZAK user and a request naming that
 * user explicitly claim the same seat.
 */
export function claimedZoomUser(auth: BotAuth, serviceUser?: string): string | undefined {
  switch (auth.type) {
    case 'zak':
      if (auth.user === 'pool') return undefined;
      if (auth.user === undefined)
        return serviceUser === undefined ? SERVICE_USER_CLAIM : normalizeUser(serviceUser);
      return normalizeUser(auth.user);
    case 'obf':
      // The authoriser: an OBF bot joins on that user's behalf and counts as them.
      return normalizeUser(auth.user);
    case 'none':
    case 'callback':
      return undefined;
  }
}

/** Zoom matches emails case-insensitively; ids are case-sensitive and left alone. */
function normalizeUser(user: string): string {
  const trimmed = user.trim();
  return trimmed.includes('@') ? trimmed.toLowerCase() : trimmed;
}
