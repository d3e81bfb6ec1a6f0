import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll } from 'vitest';
import { ensurePageBuilds, pageBuildDir } from '../../runner/web/page-build.js';
import { type RunningPageServer, startPageServer } from '../../runner/web/page-server.js';
import { startTestChromium } from '../../testkit/chromium.js';
import { startTestSim } from '../../testkit/sim.js';
import { createSimClients, type SimClients } from '../../testkit/sim-clients.js';
import type { RunningSim } from '../../zoom-sim/server.js';

export interface RealSdkRig {
  sim: RunningSim;
  /** The runner's Zoom clients against the sim: tokens and signatures are minted for real. */
  zoom: SimClients;
  pages: RunningPageServer;
  browser: Browser;
}

/**
 * For one test file: a zoom-sim to mint against, the page server with a fresh real-SDK build, and
 * Chromium. Everything is closed after the file.
 */
export function useRealSdkRig(): RealSdkRig {
  const rig = {} as RealSdkRig;
  beforeAll(async () => {
    await ensurePageBuilds(['zoom']);
    [rig.sim, rig.pages, rig.browser] = await Promise.all([
      startTestSim(),
      startPageServer({ buildDir: pageBuildDir() }),
      startTestChromium(),
    ]);
    rig.zoom = await createSimClients(rig.sim);
  }, 180_000);
  afterAll(async () => {
    await rig.browser?.close();
    await rig.pages?.close();
    await rig.zoom?.close();
    await rig.sim?.close();
  });
  return rig;
}
