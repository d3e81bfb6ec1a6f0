import type { PageJoinParams, PageMessage, PageParticipant } from '../../shared/bridge.js';
import type { ConnectionChangeMessage, JoinParams, SdkParticipant } from '../../zoom-sim/protocol.js';

/**
 * What the bot page would report for the zoom-sim protocol's messages: the sim's browser module
 * (zoom-sim/sdk/embedded-client.ts) and the page (web-client/src/main.ts) composed, in Node. Kept
 * apart from the socket so the mapping reads as the table it is.
 */

type JoinResult = Extract<PageMessage, { type: 'join-result' }>;

/** The SDK's `-3000 'connection error'`: the socket went away without the session ending. */
export const CONNECTION_ERROR = { errorCode: -3000, reason: 'connection error' } as const;

/** The page's `toPageParticipant`, from the protocol's typed participant. */
export function toPageParticipant(p: SdkParticipant): PageParticipant {
  return {
    userId: p.userId,
    userName: p.userName,
    isHost: p.isHost,
    isHold: p.isHold,
    ...(p.customerKey !== undefined ? { customerKey: p.customerKey } : {}),
  };
}

/**
 * The join frame's fields, as the sim's SDK module builds them: spaces out of the meeting number, empty
 * optional fields left out. A bad combination is refused as the SDK refuses it (a plain error text).
 */
export function toJoinParams(params: PageJoinParams): JoinParams | { refused: string } {
  const meetingNumber = params.meetingNumber.replace(/\s/g, '');
  if (!params.signature || !meetingNumber || !params.userName) {
    return { refused: 'join() needs signature, meetingNumber and userName.' };
  }
  if (params.zak && params.obfToken) return { refused: 'zak and obfToken cannot be used together.' };
  const optional = {
    password: params.password,
    zak: params.zak,
    obfToken: params.obfToken,
    customerKey: params.customerKey,
    userEmail: params.userEmail,
    tk: params.tk,
  };
  const given = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined && v !== ''));
  return { signature: params.signature, meetingNumber, userName: params.userName, ...given };
}

/** `connection-change` as the page forwards it. */
export function connectionChange(message: Omit<ConnectionChangeMessage, 'type'>): PageMessage {
  return {
    type: 'connection-change',
    change: {
      state: message.state,
      ...(message.reason !== undefined ? { reason: message.reason } : {}),
      ...(message.errorCode !== undefined ? { errorCode: message.errorCode } : {}),
    },
  };
}

/** True when this change ends the session: `Closed`, or a `Fail` other than "not started yet". */
export function endsSession(change: Omit<ConnectionChangeMessage, 'type'>): boolean {
  if (change.state === 'Closed') return true;
  if (change.state !== 'Fail') return false;
  return change.errorCode !== 3008 && change.errorCode !== 3129;
}

/** `join()` rejecting, as the page reports it. */
export function joinRefused(errorCode: number, reason: string): JoinResult {
  return { type: 'join-result', ok: false, errorCode, reason, errorType: 'JOIN_MEETING_FAILED' };
}

/** The session ended before the join resolved: `join()` rejects too (the event came first). */
export function endedBeforeJoin(change: Omit<ConnectionChangeMessage, 'type'>): JoinResult {
  // "ended by host" while waiting for the host is Zoom's "meeting has ended".
  if (change.reason === 'ended by host') return joinRefused(4004, change.reason);
  return joinRefused(
    change.errorCode ?? CONNECTION_ERROR.errorCode,
    change.reason ?? CONNECTION_ERROR.reason,
  );
}
