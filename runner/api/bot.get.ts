import type { Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';

/**
 * `GET /v1/bots/:id` → the bot view (never a token or passcode: the view holds none); 404 for another
 * tenant's bot, as for a missing one.
 */
export function getBot(service: BotService): Handler {
  return async (c) => c.json(await service.get(c.get('principal'), c.req.param('id') ?? ''));
}
