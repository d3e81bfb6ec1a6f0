import type { Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';

/** `DELETE /v1/bots/:id` → 202 with the view: `leaving`, or `ended` when no worker held it yet. */
export function deleteBot(service: BotService): Handler {
  return async (c) => c.json(await service.leave(c.get('principal'), c.req.param('id') ?? ''), 202);
}
