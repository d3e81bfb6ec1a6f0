import { z } from 'zod';
import { botStateSchema } from '../../shared/bot-states.js';

/**
 * A card per live bot for the fleet page: `<prefix>:fleet:live`, a hash bot id → JSON `FleetCard`,
 * set by the store's scripts in the same script as each change and removed when the bot ends.
 *
 * Why not read the views: a view carries its last 50 events (about 4 KB), so a thousand live bots
 * are 4 MB to move and parse per request (about 90 ms measured); their cards are about 200 bytes
 * each, one HGETALL. The views stay the truth: runner/dashboard/fleet-bots.ts checks the cards
 * against the per-state indexes and reads the view of any bot without a card (one stored before
 * cards existed), so a missing card costs time, never correctness.
 */
export function fleetCardsKey(prefix: string): string {
  return `${prefix}:fleet:live`;
}

/** What the fleet page shows of a live bot: never its request, webhook URL or events. */
export const fleetCardSchema = z.object({
  id: z.string(),
  state: botStateSchema,
  displayName: z.string(),
  meetingNumber: z.string(),
  tenant: z.string().optional(),
  attempts: z.number(),
  rejoins: z.number(),
  updatedAt: z.string(),
});
export type FleetCard = z.infer<typeof fleetCardSchema>;

/** Lua defining `setFleetCard(appPrefix, id, view)`: the card of `view` (a decoded view), or none once ended. */
export const SET_FLEET_CARD_LUA = `
local function setFleetCard(appPrefix, id, view)
  local key = appPrefix .. 'fleet:live'
  if view.state == 'ended' then
    redis.call('HDEL', key, id)
    return
  end
  redis.call('HSET', key, id, cjson.encode({
    id = id, state = view.state, displayName = view.displayName, meetingNumber = view.meetingNumber,
    tenant = view.tenant, attempts = view.attempts, rejoins = view.rejoins, updatedAt = view.updatedAt,
  }))
end
`;
