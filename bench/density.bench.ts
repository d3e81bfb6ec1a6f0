import { envShellWords } from '../runner/config/env-values.js';
import { createLogger } from '../runner/log/logger.js';
import { ensurePageBuilds, pageBuildDir } from '../runner/web/page-build.js';
import { startPageServer } from '../runner/web/page-server.js';
import { CHROMIUM_PATH } from '../testkit/chromium.js';
import { startTestSim } from '../testkit/sim.js';
import { createSimClients } from '../testkit/sim-clients.js';
import type { BenchReport } from './lib/bench-result.js';
import { OMNIBOX_WEBUI_OFF, parseDensityArgs } from './lib/density-args.js';
import { type DensityRuns, densityReport } from './lib/density-report.js';
import { LoadSampler } from './lib/load-sampler.js';
import { measureRealSdkDensity } from './lib/real-sdk-density.js';
import { measureSimWorkerDensity } from './lib/sim-worker-density.js';

/**
 * `npm run bench -- density [--sizes 1,10,25] ...` (options: bench/lib/density-args.ts).
 * PSS of the whole Chromium tree per bot: the real-SDK page joined up to Zoom's refusal, through the
 * runner's BrowserPool (a context per bot), against the same page with a Chromium per bot; the same
 * two with Chromium's omnibox popup WebUI off; and the sim page in a meeting through a real worker
 * process, with the worker's own PSS. Sizes run smallest first, one layout at a time.
 */
export async function runDensityBench(args: string[]): Promise<BenchReport> {
  const options = parseDensityArgs(args);
  const load = new LoadSampler();
  const logger = createLogger({ level: 'warn' });
  const runs: DensityRuns = { real: [], browserEach: [], omniboxOff: [], omniboxOffBrowserEach: [], sim: [] };
  const problems: string[] = [];
  await ensurePageBuilds(['zoom', 'sim']);
  const [sim, pages] = await Promise.all([startTestSim(), startPageServer({ buildDir: pageBuildDir() })]);
  const zoom = await createSimClients(sim);
  const extraArgs = envShellWords.parse(options.chromiumArgs);
  const omniboxOffArgs = [...extraArgs, ...envShellWords.parse(OMNIBOX_WEBUI_OFF)];
  try {
    for (const bots of options.sizes) {
      // One failed measurement (too many browsers for a small machine) must not lose the others.
      const attempt = async <T>(what: string, measure: () => Promise<T>, into: T[]) => {
        process.stdout.write(`density: ${what}, ${bots} bot(s)...\n`);
        try {
          into.push(await measure());
        } catch (error) {
          problems.push(`${what} at ${bots} bots not measured: ${(error as Error).message}`);
        }
      };
      const realSdk = (botsPerBrowser: number, chromiumArgs: string[]) => () =>
        measureRealSdkDensity({
          bots,
          botsPerBrowser,
          pagesOrigin: pages.origin,
          zoom: zoom.clients,
          chromium: { executablePath: CHROMIUM_PATH, extraArgs: chromiumArgs },
          sampling: options.sampling,
          openConcurrency: options.openConcurrency,
          logger,
        });
      if (options.parts.includes('real')) {
        await attempt('real-SDK page, a context each', realSdk(options.botsPerBrowser, extraArgs), runs.real);
      }
      if (options.parts.includes('browser-per-bot')) {
        await attempt('real-SDK page, a Chromium each', realSdk(1, extraArgs), runs.browserEach);
      }
      if (options.parts.includes('omnibox-off') && options.omniboxOffSizes.includes(bots)) {
        await attempt(
          'real-SDK page, a context each, omnibox WebUI off',
          realSdk(options.botsPerBrowser, omniboxOffArgs),
          runs.omniboxOff,
        );
        await attempt(
          'real-SDK page, a Chromium each, omnibox WebUI off',
          realSdk(1, omniboxOffArgs),
          runs.omniboxOffBrowserEach,
        );
      }
      if (options.parts.includes('sim')) {
        await attempt(
          'sim page in a meeting, worker process',
          () =>
            measureSimWorkerDensity({
              bots,
              botsPerBrowser: options.botsPerBrowser,
              simUrl: sim.url,
              chromiumArgs: options.chromiumArgs,
              sampling: options.sampling,
              joinTimeoutMs: 60_000 + bots * 4_000,
            }),
          runs.sim,
        );
      }
    }
  } finally {
    await zoom.close();
    await pages.close();
    await sim.close();
  }
  return densityReport(options, runs, problems, load.stop());
}
