import type { Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';
import { readJsonBody } from './json-body.js';

/** `POST /v1/bots`: 201 with the new bot's view, 200 with the live bot holding the same `dedupeKey`. */
export function postBots(service: BotService): Handler {
  return async (c) => {
    const result = await service.enqueue(await readJsonBody(c));
    return c.json(result.bot, result.status);
  };
}
