import type { Redis } from 'ioredis';
import type { Config } from '../runner/config/config-table.js';
import { loadConfig } from '../runner/config/load-config.js';
import { requireConfiguredMode } from '../runner/config/mode.js';
import type { Logger } from '../runner/log/logger.js';
import {
  createZoomClients,
  resolveZoomCredentials,
  type ZoomClients,
} from '../runner/zoom/zoom-credentials.js';
import type { RunningSim } from '../zoom-sim/server.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from './redis.js';

export interface SimClients {
  config: Config;
  clients: ZoomClients;
  redis: Redis;
  close(): Promise<void>;
}

/** The runner's Zoom clients in sim mode against `sim`, on a private Redis key prefix. */
export async function createSimClients(
  sim: RunningSim,
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<SimClients> {
  const prefix = uniquePrefix();
  const config = loadConfig({ ZOOM_SIM_URL: sim.url, QUEUE_PREFIX: prefix, ...env });
  const redis = connectTestRedis();
  const credentials = await resolveZoomCredentials(config, requireConfiguredMode(config, 'test'));
  const clients = createZoomClients({ config, credentials, redis, ...options });
  return {
    config,
    clients,
    redis,
    close: async () => {
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}
