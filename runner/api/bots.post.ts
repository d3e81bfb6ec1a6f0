import type { Context, Handler } from 'hono';
import type { BotService } from '../queue/bot-service.js';
import { apiErrors } from './api-errors.js';

/** The body as JSON; size is already bounded by the body-limit middleware in front of /v1. */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw apiErrors.badJson();
  }
}

/** `POST /v1/bots`: 201 with the new bot's view, 200 with the live bot holding the same `dedupeKey`. */
export function postBots(service: BotService): Handler {
  return async (c) => {
    const result = await service.enqueue(await readJson(c));
    return c.json(result.bot, result.status);
  };
}
