// STUB: to be implemented (zoom-sim meetings helper).
import type { ServerType } from '@hono/node-server';
import type { SimContext } from '../sim-context.js';

export function attachParticipantSockets(
  _server: ServerType,
  _context: SimContext,
): { close(): Promise<void> } {
  return { close: async () => {} };
}
