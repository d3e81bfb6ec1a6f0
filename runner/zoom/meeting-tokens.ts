import { z } from 'zod';
import { MEETING_NUMBER_PATTERN, normalizeMeetingNumber } from '../../shared/meeting-number.js';
import type { ZoomApi } from './zoom-api.js';
import { InvalidMeetingNumberError, InvalidZoomUserError } from './zoom-errors.js';

/** A ZAK is only checked at join, so a short life limits what a leaked one is worth. */
export const DEFAULT_ZAK_TTL_SEC = 300;

const tokenAnswerSchema = z.object({ token: z.string().min(1) });

/**
 * A Zoom user id or email in a URL path. `me` means "the token's user", which S2S apps do not have,
 * so it is refused here with a plain message rather than by Zoom with a confusing one.
 */
export function userPathSegment(user: string): string {
  const trimmed = user.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'me') {
    throw new InvalidZoomUserError(
      `'${trimmed}' is not a Zoom user for a Server-to-Server app: give the user's id or email`,
    );
  }
  if (trimmed.length > 128 || /[/?#\s]/.test(trimmed)) {
    throw new InvalidZoomUserError('A Zoom user is an id or an email (no spaces, slashes or ? #)');
  }
  return encodeURIComponent(trimmed);
}

export function checkedMeetingNumber(raw: string): string {
  const normalized = normalizeMeetingNumber(raw);
  if (!MEETING_NUMBER_PATTERN.test(normalized)) {
    throw new InvalidMeetingNumberError('A meeting number is 9 to 12 digits (spaces and dashes are ignored)');
  }
  return normalized;
}

/**
 * ZAK and OBF tokens, minted once per join attempt and handed straight to the page: never cached,
 * never reused across joins (a rejoin mints again, as Zoom requires of a disconnected bot).
 */
export class MeetingTokens {
  constructor(private readonly api: ZoomApi) {}

  /** A ZAK for `user` (id or email). Zoom: `GET /users/{id}/token?type=zak&ttl=`, category Light. */
  async mintZak(user: string, options: { ttlSec?: number } = {}): Promise<string> {
    const ttlSec = Math.round(options.ttlSec ?? DEFAULT_ZAK_TTL_SEC);
    const answer = await this.api.call({
      method: 'GET',
      path: `/users/${userPathSegment(user)}/token`,
      query: { type: 'zak', ttl: String(Math.max(1, ttlSec)) },
      category: 'light',
      operation: 'mint_zak',
      schema: tokenAnswerSchema,
    });
    return answer.token;
  }

  /** An OBF token: join on behalf of `user`, who must be in `meetingNumber` (single use). */
  async mintObf(user: string, meetingNumber: string): Promise<string> {
    const answer = await this.api.call({
      method: 'GET',
      path: `/users/${userPathSegment(user)}/token`,
      query: { type: 'onbehalf', meeting_id: checkedMeetingNumber(meetingNumber) },
      category: 'light',
      operation: 'mint_obf',
      schema: tokenAnswerSchema,
    });
    return answer.token;
  }
}
