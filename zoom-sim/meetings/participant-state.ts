/** A participant's place in the meeting (docs/contract.md §8). */
export type ParticipantState =
  | 'waiting_for_host'
  | 'in_waiting_room'
  | 'in_meeting'
  | 'reconnecting'
  | 'left';

/**
 * The only moves a participant makes. `left` is final: a rejoin is a new participant, as in Zoom.
 * A participant starts in `waiting_for_host`, `in_waiting_room` or `in_meeting`, as the join placed it.
 */
export const PARTICIPANT_TRANSITIONS: Record<ParticipantState, readonly ParticipantState[]> = {
  waiting_for_host: ['in_waiting_room', 'in_meeting', 'left'],
  in_waiting_room: ['in_meeting', 'left'],
  in_meeting: ['reconnecting', 'left'],
  reconnecting: ['in_meeting', 'left'],
  left: [],
};

/** States in which others see the participant in the meeting (attendee lists, `user-added`). */
export function isVisible(state: ParticipantState): boolean {
  return state === 'in_meeting' || state === 'reconnecting';
}

export class IllegalParticipantTransitionError extends Error {
  readonly code = 'illegal_participant_transition';
  constructor(
    readonly participantId: number,
    readonly from: ParticipantState,
    readonly to: ParticipantState,
  ) {
    super(`Participant ${participantId} is ${from}; it cannot become ${to}.`);
    this.name = 'IllegalParticipantTransitionError';
  }
}

/** A control request about a participant who is not in the meeting proper (left, or still waiting). */
export class ParticipantNotPresentError extends Error {
  readonly code = 'participant_not_present';
  constructor(
    readonly participantId: number,
    readonly state: ParticipantState,
  ) {
    super(`Participant ${participantId} is ${state}, not in the meeting.`);
    this.name = 'ParticipantNotPresentError';
  }
}

/** History events of `GET /_sim/meetings/:number` (docs/contract.md §8). */
export type HistoryEvent =
  | 'joined'
  | 'waiting_for_host'
  | 'on_hold'
  | 'admitted'
  | 'reconnecting'
  | 'reconnected'
  | 'dropped'
  | 'left'
  | 'removed'
  | 'ended'
  | 'duplicate_session';

export interface HistoryEntry {
  at: string;
  participantId: number;
  event: HistoryEvent;
  reason?: string;
}
