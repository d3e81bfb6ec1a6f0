// STUB: to be implemented (zoom-sim meetings helper).
import type { SimConfig } from '../sim-config.js';
import type { SimStats } from '../store/stats.js';
import type { TokenRegistry } from '../store/tokens.js';
import type { UserDirectory } from '../store/users.js';

export interface MeetingDeps {
  tokens: TokenRegistry;
  users: UserDirectory;
  stats: SimStats;
  config: SimConfig;
  baseUrl: () => string;
}

export class MeetingRegistry {
  constructor(readonly deps: MeetingDeps) {}
  shutdown(): void {}
}
