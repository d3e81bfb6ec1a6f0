import type { Redis } from 'ioredis';
import { BOT_STATES, type BotState } from '../../shared/bot-states.js';
import { type FleetCard, fleetCardSchema, fleetCardsKey } from '../queue/fleet-cards.js';
import type { QueueKeys } from '../queue/queue-names.js';

/** Every state but `ended`: the bots the fleet page lists one by one. */
export const LIVE_STATES: readonly BotState[] = BOT_STATES.filter((state) => state !== 'ended');

export type LiveBot = FleetCard;

/** Views per MGET when cards are missing: 500 views of a few KB keep each reply moderate. */
const MGET_BATCH = 500;

/**
 * The live bots: the per-state indexes (one ZRANGE per live state) say which, their cards
 * (runner/queue/fleet-cards.ts, one HGETALL) say what, in one pipeline. Ended bots, which may number
 * tens of thousands, are never read. A card without a live index entry (its bot ended in between)
 * is dropped; a live bot without a card (stored before cards existed) is read from its view.
 */
export async function readLiveBots(redis: Redis, prefix: string, keys: QueueKeys): Promise<LiveBot[]> {
  const pipeline = redis.pipeline();
  for (const state of LIVE_STATES) pipeline.zrange(keys.stateIndex(state), 0, -1);
  pipeline.hgetall(fleetCardsKey(prefix));
  const replies = (await pipeline.exec()) ?? [];
  const live = new Set<string>();
  for (const [error, ids] of replies.slice(0, LIVE_STATES.length)) {
    if (!error) for (const id of ids as string[]) live.add(id);
  }
  const [cardsError, cards] = replies.at(-1) ?? [null, {}];
  const bots: LiveBot[] = [];
  const found = new Set<string>();
  for (const [id, raw] of Object.entries(cardsError ? {} : (cards as Record<string, string>))) {
    if (!live.has(id)) continue;
    const card = parse(raw);
    if (card) {
      bots.push(card);
      found.add(id);
    }
  }
  const missing = [...live].filter((id) => !found.has(id));
  for (let start = 0; start < missing.length; start += MGET_BATCH) {
    const raws = await redis.mget(missing.slice(start, start + MGET_BATCH).map((id) => keys.bot(id)));
    for (const raw of raws) {
      const view = raw === null ? undefined : parse(raw, (stored) => (stored as { view?: unknown }).view);
      if (view && view.state !== 'ended') bots.push(view);
    }
  }
  return bots;
}

function parse(raw: string, pick: (value: unknown) => unknown = (value) => value): LiveBot | undefined {
  try {
    const parsed = fleetCardSchema.safeParse(pick(JSON.parse(raw)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
