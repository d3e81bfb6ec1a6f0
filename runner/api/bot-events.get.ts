import type { Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';

/** `GET /v1/bots/:id/events` → `{id, events}`, the same (most recent 50) as in the view. */
export function getBotEvents(service: BotService): Handler {
  return async (c) => {
    const id = c.req.param('id') ?? '';
    return c.json({ id, events: await service.events(c.get('principal'), id) });
  };
}
