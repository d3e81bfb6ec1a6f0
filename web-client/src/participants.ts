import type { Participant } from '@zoom/meetingsdk/embedded';
import type { PageParticipant } from '../../shared/bridge.js';

type SdkUser = Partial<Participant> & { customerKey?: unknown };

/** The few participant fields the runner needs ("alone", waiting room), whatever else the SDK sends. */
export function toPageParticipant(user: SdkUser): PageParticipant {
  return {
    userId: typeof user.userId === 'number' ? user.userId : -1,
    userName: String(user.userName ?? user.displayName ?? ''),
    ...(typeof user.isHost === 'boolean' ? { isHost: user.isHost } : {}),
    ...(typeof user.isHold === 'boolean' ? { isHold: user.isHold } : {}),
    ...(typeof user.customerKey === 'string' ? { customerKey: user.customerKey } : {}),
  };
}

/** `user-added` and friends carry an array, or a single participant in some SDK versions. */
export function toPageParticipants(payload: unknown): PageParticipant[] {
  const list = Array.isArray(payload) ? payload : payload && typeof payload === 'object' ? [payload] : [];
  return list.filter((u): u is SdkUser => !!u && typeof u === 'object').map(toPageParticipant);
}
