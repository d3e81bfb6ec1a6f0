import { parseArgs } from 'node:util';
import { PLAN_BUDGETS, type ZoomPlan } from '../runner/zoom/rate-budget.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../testkit/redis.js';
import { startTestSim } from '../testkit/sim.js';
import type { BenchReport } from './lib/bench-result.js';
import { LoadSampler } from './lib/load-sampler.js';
import { runMintFleet } from './lib/mint-fleet.js';
import { round } from './lib/stats.js';
import { type SimStats, type ZoomApiOptions, zoomApiReport } from './lib/zoom-api-report.js';

/**
 * `npm run bench -- zoom-api [--attempts 500] [--processes 4] [--concurrency 10] [--plan pro]
 * [--token-ttl-sec N]`: the credentials of `attempts` join attempts (OAuth token, ZAK mint, SDK
 * signature), minted by the worker's own code from several processes sharing one QUEUE_PREFIX (so one
 * access token and one rate budget for the fleet), against a zoom-sim at the plan's limits. No Chromium.
 */
const USAGE =
  'zoom-api [--attempts 500] [--processes 4] [--concurrency 10] [--plan free|pro|business] [--token-ttl-sec N]';

class ZoomApiUsageError extends Error {
  constructor(message: string) {
    super(`${message}\nUsage: npm run bench -- ${USAGE}`);
    this.name = 'ZoomApiUsageError';
  }
}

function positive(name: string, text: string | undefined, fallback: number, integer = true): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new ZoomApiUsageError(`--${name} takes a positive ${integer ? 'integer' : 'number'}`);
  }
  return value;
}

function parseZoomApiArgs(args: string[]): ZoomApiOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        attempts: { type: 'string' },
        processes: { type: 'string' },
        concurrency: { type: 'string' },
        plan: { type: 'string' },
        'token-ttl-sec': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new ZoomApiUsageError((error as Error).message);
  }
  const plan = values.plan ?? 'pro';
  if (!(plan in PLAN_BUDGETS)) throw new ZoomApiUsageError('--plan takes free, pro or business');
  return {
    attempts: positive('attempts', values.attempts, 500),
    processes: positive('processes', values.processes, 4),
    concurrency: positive('concurrency', values.concurrency, 10),
    plan: plan as ZoomPlan,
    tokenTtlSec:
      values['token-ttl-sec'] === undefined
        ? undefined
        : positive('token-ttl-sec', values['token-ttl-sec'], 0, false),
  };
}

interface SimLimits {
  light: { perSecond: number; perDay: number | null };
}

async function simGet<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`zoom-sim answered ${new URL(url).pathname} with ${response.status}`);
  return (await response.json()) as T;
}

export async function runZoomApiBench(args: string[]): Promise<BenchReport> {
  const options = parseZoomApiArgs(args);
  const load = new LoadSampler();
  const sim = await startTestSim({
    plan: options.plan,
    ...(options.tokenTtlSec !== undefined ? { accessTokenTtlSec: options.tokenTtlSec } : {}),
  });
  const prefix = uniquePrefix();
  try {
    const limits = await simGet<SimLimits>(`${sim.url}/_sim/limits`);
    const before = await simGet<SimStats>(`${sim.url}/_sim/stats`);
    // The ZAK mint is a Light call: the floor is the attempts at the plan's Light rate.
    const floorMs = (options.attempts / limits.light.perSecond) * 1000;
    process.stdout.write(
      `zoom-api: ${options.attempts} attempts from ${options.processes} processes, floor ${round(floorMs / 1000, 1)} s...\n`,
    );
    const run = await runMintFleet({
      attempts: options.attempts,
      processes: options.processes,
      concurrency: options.concurrency,
      env: {
        ZOOM_SIM_URL: sim.url,
        QUEUE_PREFIX: prefix,
        ZOOM_PLAN: options.plan,
        REDIS_URL: TEST_REDIS_URL,
      },
      timeoutMs: Math.max(120_000, floorMs * 5),
    });
    const after = await simGet<SimStats>(`${sim.url}/_sim/stats`);
    const ttlSec = options.tokenTtlSec ?? sim.context.config.accessTokenTtlSec;
    return zoomApiReport(options, {
      run,
      before,
      after,
      floorMs,
      ttlSec,
      lightPerSecond: limits.light.perSecond,
      load: load.stop(),
    });
  } finally {
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
    await sim.close();
  }
}
