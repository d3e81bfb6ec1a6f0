import type { Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';

/** `GET /v1/bots?state=&limit=&cursor=` → `{items, nextCursor?}`; an unknown parameter is a 422. */
export function getBots(service: BotService): Handler {
  return async (c) => c.json(await service.list(c.req.query()));
}
