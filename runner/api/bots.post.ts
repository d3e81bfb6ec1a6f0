import type { Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';
import { readJsonBody } from './json-body.js';

/**
 * `POST /v1/bots`: 201 with the new bot's view, 200 with the caller's tenant's live bot holding the same
 * `dedupeKey`.
 */
export function postBots(service: BotService): Handler {
  return async (c) => {
    const result = await service.enqueue(c.get('principal'), await readJsonBody(c));
    c.set('auditBotId', result.bot.id);
    return c.json(result.bot, result.status);
  };
}
