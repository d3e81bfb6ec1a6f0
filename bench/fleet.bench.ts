import { WORKER_LOCK_SETTINGS } from '../runner/worker/worker-lock-settings.js';
import { BenchArgError, benchOptions, choices, positiveInt, positiveInts } from './lib/bench-args.js';
import type { BenchReport } from './lib/bench-result.js';
import { fleetReport } from './lib/fleet-report.js';
import { FleetRig } from './lib/fleet-rig.js';
import { type FleetRound, runFleetRound } from './lib/fleet-round.js';
import { describeLoad, LoadSampler } from './lib/load-sampler.js';

/**
 * `fleet` (docs/contract.md §13): the whole control plane at fleet size, with no browser. For each
 * size: a private redis-server, a zoom-sim, an `api` process and `--workers` worker processes with
 * WORKER_PAGE_DRIVER=sim-client; `--ended-views` ended bots kept; the fleet enqueued through the API
 * (one bot per meeting); then Redis's steady-state cost, the API's and the fleet page's latency, and a
 * kill -9 of a quarter of the workers. Every size starts from fresh processes and an empty Redis.
 */
export async function runFleetBench(args: string[]): Promise<BenchReport> {
  const options = benchOptions(args, {
    bots: '250,1000,2000',
    workers: '8',
    auth: 'zak',
    'ended-views': '10000',
    'steady-sec': '30',
    gets: '500',
    lists: '150',
    'fleet-reads': '100',
    'enqueue-concurrency': '8',
    'redis-url': '',
  });
  const sizes = positiveInts('bots', options.bots);
  const workers = positiveInt('workers', options.workers);
  const [auth] = choices('auth', options.auth, ['zak', 'none'] as const);
  if (!auth || options.auth.includes(',')) throw new BenchArgError('auth', options.auth, 'zak or none');
  const endedViews = nonNegativeInt('ended-views', options['ended-views']);
  const redisUrl = options['redis-url'].trim() || undefined;
  const load = new LoadSampler();
  const rounds: FleetRound[] = [];
  for (const bots of sizes) {
    const killed = Math.max(1, Math.round(workers / 4));
    // The survivors take the killed workers' bots: room for all of them on the others.
    const concurrency = Math.min(1000, Math.ceil(bots / Math.max(1, workers - killed)) + 10);
    process.stdout.write(`fleet of ${bots} bots on ${workers} workers (WORKER_CONCURRENCY ${concurrency})\n`);
    const rig = await FleetRig.open({ workers, concurrency, redisUrl });
    try {
      rounds.push(
        await runFleetRound(
          rig,
          {
            bots,
            workers,
            auth,
            endedViews,
            steadySec: positiveInt('steady-sec', options['steady-sec']),
            gets: positiveInt('gets', options.gets),
            lists: positiveInt('lists', options.lists),
            fleetReads: positiveInt('fleet-reads', options['fleet-reads']),
            enqueueConcurrency: positiveInt('enqueue-concurrency', options['enqueue-concurrency']),
          },
          concurrency,
        ),
      );
    } finally {
      await rig.close();
    }
  }
  const loadSummary = load.stop();
  const report = fleetReport(rounds, { auth, endedViews, privateRedis: redisUrl === undefined });
  return {
    ...report,
    notes: [describeLoad(loadSummary), ...report.notes],
    details: { ...report.details, lockSettings: WORKER_LOCK_SETTINGS, load: loadSummary },
  };
}

function nonNegativeInt(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new BenchArgError(option, value, 'a whole number, 0 or more');
  return n;
}
