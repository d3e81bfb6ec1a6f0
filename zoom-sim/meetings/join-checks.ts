import { MEETING_NUMBER_PATTERN } from '../../shared/meeting-number.js';
import type { JoinParams } from '../protocol.js';
import type { MeetingTokenRecord, TokenRegistry } from '../store/tokens.js';
import { JOIN_REFUSALS, type JoinRefusal } from './join-refusal.js';
import type { Meeting } from './meeting.js';
import { checkSignature } from './signature-check.js';

/** Who a join authenticated as, when it did. */
export type JoinAuth =
  | { kind: 'anonymous' }
  | { kind: 'zak'; record: MeetingTokenRecord }
  | { kind: 'obf'; record: MeetingTokenRecord; token: string };

export type JoinCheck = { ok: true; meeting: Meeting; auth: JoinAuth } | { ok: false; refusal: JoinRefusal };

export interface JoinCheckDeps {
  sdk: { sdkKey: string; sdkSecret: string };
  tokens: TokenRegistry;
  findMeeting(number: string): Meeting | undefined;
}

const refuse = (refusal: JoinRefusal): JoinCheck => ({ ok: false, refusal });

/**
 * The checks Zoom makes at join time, in its order: meeting number, signature, meeting exists, ended,
 * passcode, authentication, removed earlier, capacity, locked. Tokens are checked here and only here:
 * nothing that happens to a token later affects a participant already in.
 */
export async function checkJoin(params: JoinParams, deps: JoinCheckDeps): Promise<JoinCheck> {
  const number = params.meetingNumber;
  if (!MEETING_NUMBER_PATTERN.test(number)) return refuse(JOIN_REFUSALS.badMeetingNumber);
  const signatureProblem = await checkSignature(params.signature, number, deps.sdk);
  if (signatureProblem) return refuse(signatureProblem);
  // Everything below is synchronous, so it sees one consistent meeting state.
  const meeting = deps.findMeeting(number);
  if (!meeting) return refuse(JOIN_REFUSALS.meetingNotFound);
  if (meeting.ended) return refuse(JOIN_REFUSALS.meetingEnded);
  if (meeting.passcode !== undefined && params.password !== meeting.passcode) {
    return refuse(JOIN_REFUSALS.wrongPasscode);
  }
  const auth = checkAuth(params, meeting, deps.tokens);
  if ('refusal' in auth) return refuse(auth.refusal);
  if (meeting.wasRemoved(identityOf(auth))) return refuse(JOIN_REFUSALS.removedEarlier);
  if (meeting.capacity !== undefined && meeting.present().length >= meeting.capacity) {
    return refuse(JOIN_REFUSALS.atCapacity);
  }
  if (meeting.locked) return refuse(JOIN_REFUSALS.locked);
  return { ok: true, meeting, auth };
}

function checkAuth(
  params: JoinParams,
  meeting: Meeting,
  tokens: TokenRegistry,
): JoinAuth | { refusal: JoinRefusal } {
  if (params.zak !== undefined && params.obfToken !== undefined) return { refusal: JOIN_REFUSALS.zakWithObf };
  if (params.zak !== undefined) {
    // A bad ZAK is refused even where the meeting would let an anonymous user in.
    const checked = tokens.check(params.zak, 'zak');
    return checked.ok ? { kind: 'zak', record: checked.record } : { refusal: JOIN_REFUSALS.zakInvalid };
  }
  if (params.obfToken !== undefined) {
    const checked = tokens.check(params.obfToken, 'obf');
    if (!checked.ok) return { refusal: JOIN_REFUSALS.obfInvalid };
    if (checked.record.meetingNumber !== meeting.number) return { refusal: JOIN_REFUSALS.obfOtherMeeting };
    // Not consumed here: a 4017 leaves the token usable once the authoriser arrives (docs/contract.md §8).
    if (!meeting.hasUserInMeeting(checked.record.userId)) return { refusal: JOIN_REFUSALS.authoriserAbsent };
    return { kind: 'obf', record: checked.record, token: params.obfToken };
  }
  if (meeting.requireAuth) return { refusal: JOIN_REFUSALS.authRequired };
  return { kind: 'anonymous' };
}

/** One Zoom user is in a meeting once; an OBF bot is its authoriser's app, a separate identity. */
export function identityOf(auth: JoinAuth): string | undefined {
  if (auth.kind === 'zak') return auth.record.userId;
  if (auth.kind === 'obf') return `obf:${auth.record.userId}`;
  return undefined;
}
