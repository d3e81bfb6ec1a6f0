import type { MeetingRegistry } from './meetings/meeting-registry.js';
import type { SimConfig } from './sim-config.js';
import type { FaultInjector } from './store/faults.js';
import type { RateLimiter } from './store/rate-limiter.js';
import type { SimStats } from './store/stats.js';
import type { TokenRegistry } from './store/tokens.js';
import type { UserDirectory } from './store/users.js';

/** Everything one running sim holds. Created per `startZoomSim`, so tests can run several sims at once. */
export interface SimContext {
  readonly config: SimConfig;
  readonly users: UserDirectory;
  readonly tokens: TokenRegistry;
  readonly stats: SimStats;
  readonly rateLimits: RateLimiter;
  readonly meetings: MeetingRegistry;
  /** Failures a test armed on the OAuth and token endpoints (`PUT /_sim/faults`). */
  readonly faults: FaultInjector;
  /** `http://host:port` of this sim, known once it listens. */
  baseUrl(): string;
}
