import type { Context } from 'hono';
import type { Meeting } from '../meetings/meeting.js';
import type { Participant } from '../meetings/participant.js';
import {
  IllegalParticipantTransitionError,
  ParticipantNotPresentError,
} from '../meetings/participant-state.js';
import type { SimContext } from '../sim-context.js';
import { ZoomApiError, zoomErrors } from '../zoom-error.js';

/** What the meeting control routes share: finding the meeting and participant a path names. */

export function conflict(message: string): ZoomApiError {
  return new ZoomApiError(409, { code: 409, message });
}

export function participantNotFound(id: string | number): ZoomApiError {
  return new ZoomApiError(404, { code: 404, message: `Participant does not exist: ${id}.` });
}

/** The meeting of `:number`, or Zoom's 404 (code 3001). */
export function meetingFrom(context: SimContext, c: Context): Meeting {
  const number = c.req.param('number') ?? '';
  const meeting = context.meetings.get(number);
  if (!meeting) throw zoomErrors.meetingNotFound(number);
  return meeting;
}

/** The participant of `:id` in the meeting of `:number`, or a 404. */
export function participantFrom(
  context: SimContext,
  c: Context,
): { meeting: Meeting; participant: Participant } {
  const meeting = meetingFrom(context, c);
  const id = c.req.param('id') ?? '';
  const participant = /^\d{1,15}$/.test(id) ? meeting.participant(Number(id)) : undefined;
  if (!participant) throw participantNotFound(id);
  return { meeting, participant };
}

/** A control request that asks for something the participant's state rules out (admit someone in the meeting, rename someone who left): 409. */
export function guarded<T>(action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof IllegalParticipantTransitionError || error instanceof ParticipantNotPresentError) {
      throw conflict(error.message);
    }
    throw error;
  }
}
