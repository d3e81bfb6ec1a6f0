import type { Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';

/** `GET /v1/bots/:id` → the bot view (never a token or passcode: the view holds none). */
export function getBot(service: BotService): Handler {
  return async (c) => c.json(await service.get(c.req.param('id') ?? ''));
}
