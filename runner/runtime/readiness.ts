import type { Redis } from 'ioredis';
import type { Readiness } from '../http/health-routes.js';
import type { Ref } from './part.js';
import type { Runtime } from './runtime.js';

/** `/readyz` of a process: Redis answers, every part started and takes work, no stop asked for. */
export function processReadiness(runtime: Runtime, redis: Ref<Redis>): Readiness {
  return {
    redis: async () => (await redis.value.ping()) === 'PONG',
    accepting: () => runtime.ready(),
    shuttingDown: () => runtime.stopping,
    alive: () => runtime.alive(),
  };
}
