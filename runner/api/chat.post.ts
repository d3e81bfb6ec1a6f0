import type { Handler } from 'hono';
import type { MeetingEventService } from '../meeting-events/meeting-event-service.js';
import { readJsonBody } from './json-body.js';

/**
 * `POST /v1/bots/:id/chat {text, to?}` → 202 `{requestId}`: handed to the worker holding the bot, which
 * posts it through the SDK; 409 `not_in_meeting` unless the bot is `in_meeting` (docs/contract.md §11).
 */
export function postChat(meetings: MeetingEventService): Handler {
  return async (c) => {
    const id = c.req.param('id') ?? '';
    return c.json(await meetings.chat(c.get('principal'), id, await readJsonBody(c)), 202);
  };
}
