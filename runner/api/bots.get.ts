import type { Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';

/**
 * `GET /v1/bots?state=&limit=&cursor=&tenant=` → `{items, nextCursor?}`, the caller's tenant's bots (an
 * admin key: every tenant's, or `tenant`'s); an unknown parameter is a 422.
 */
export function getBots(service: BotService): Handler {
  return async (c) => c.json(await service.list(c.get('principal'), c.req.query()));
}
