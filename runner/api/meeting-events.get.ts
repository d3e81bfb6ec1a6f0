import type { Handler } from 'hono';
import type { MeetingEventService } from '../meeting-events/meeting-event-service.js';

/**
 * `GET /v1/bots/:id/meeting-events?after=&type=&limit=` → `{items, nextAfter}` (docs/contract.md §11):
 * the bot's meeting events after `seq` `after`, of one type or group; 404 for another tenant's bot.
 */
export function getMeetingEvents(meetings: MeetingEventService): Handler {
  return async (c) =>
    c.json(await meetings.events(c.get('principal'), c.req.param('id') ?? '', c.req.query()));
}
