import type { Handler } from 'hono';
import type { MeetingEventService } from '../meeting-events/meeting-event-service.js';

/** `GET /v1/bots/:id/participants` → `{items}`: the attendance as the bot saw it, across rejoins (§11). */
export function getParticipants(meetings: MeetingEventService): Handler {
  return async (c) => c.json(await meetings.participants(c.get('principal'), c.req.param('id') ?? ''));
}
