import { type RunningSim, startZoomSim } from '../zoom-sim/server.js';
import { loadSimConfig, type SimConfig } from '../zoom-sim/sim-config.js';

/**
 * A real zoom-sim on a free loopback port, configured from its defaults only (never the developer's
 * environment). The caller closes it (`afterAll(() => sim.close())`).
 */
export function startTestSim(overrides: Partial<SimConfig> = {}): Promise<RunningSim> {
  return startZoomSim(loadSimConfig({}, { port: 0, host: '127.0.0.1', ...overrides }));
}

/** `GET /_sim/credentials`: the sim's own test app and service user. */
export interface SimCredentials {
  accountId: string;
  clientId: string;
  clientSecret: string;
  sdkKey: string;
  sdkSecret: string;
  serviceUser: { id: string; email: string };
}
