import { SET_FLEET_CARD_LUA } from './fleet-cards.js';
import { COUNT_FLEET_CHANGE_LUA } from './fleet-minutes.js';

/**
 * Lua the store's scripts (bot-store-scripts.ts) embed: `updateFleet(appPrefix, id, old, view,
 * reason)` keeps what the fleet page reads (fleet-cards.ts, fleet-minutes.ts) in step with the
 * change just made to `view`. `appPrefix` is `<prefix>:`, derived by the scripts from the index keys
 * they already have, so the fleet needs no script argument of its own; `old` is nil for a new bot;
 * `reason` is the end reason for `ended`, the rejoin reason for `rejoining`.
 */
export const UPDATE_FLEET_LUA = `${COUNT_FLEET_CHANGE_LUA}${SET_FLEET_CARD_LUA}
local function updateFleet(appPrefix, id, old, view, reason)
  countFleetChange(appPrefix, old, view.state, reason)
  setFleetCard(appPrefix, id, view)
end
`;
