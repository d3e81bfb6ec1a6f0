import { describe, expect, it } from 'vitest';
import { fleetReport } from '../../bench/lib/fleet-report.js';
import type { FleetRound } from '../../bench/lib/fleet-round.js';

function round(bots: number, fleetDataP99Ms: number | null, fleetPageP99Ms: number | null): FleetRound {
  return {
    bots,
    workers: 8,
    workerConcurrency: 160,
    killedWorkers: 2,
    allInMs: 30_000,
    enqueueP50Ms: 10,
    enqueueP99Ms: 40,
    enqueueConcurrency: 8,
    apiCpuMsPerEnqueue: 5,
    joinPhasesP50Ms: { pickup: 10, credentialsAndPage: 20, join: 30 },
    redisOpsPerBotSec: 0.5,
    redisBytesPerBot: 10_000,
    endedViewBytes: 3_700,
    getP50Ms: 5,
    getP99Ms: 15,
    listP50Ms: 30,
    listP99Ms: 70,
    fleetDataP50Ms: fleetDataP99Ms === null ? null : fleetDataP99Ms / 2,
    fleetDataP99Ms,
    fleetDataReadP50Ms: 20,
    fleetDataReadP99Ms: 40,
    fleetDataBytes: 215_000,
    fleetDataBots: bots,
    fleetPageP50Ms: fleetPageP99Ms === null ? null : fleetPageP99Ms / 2,
    fleetPageP99Ms,
    recoverMs: 15_000,
    recoveredBots: bots / 4,
    duplicates: 0,
    lost: 0,
    commandsPerBotSec: [],
    cpuMsPerBotSec: { workers: 0.9 },
    failures: [],
    seconds: { seedEndedViews: 60, fill: 35, total: 120 },
  };
}

const RUN = { auth: 'none' as const, endedViews: 10_000, privateRedis: true };

describe('the fleet benchmark’s fleet page figures', () => {
  it('reports the 1 000-bot round’s fleet page latency against 200 ms, in the summary, targets and table', () => {
    const report = fleetReport([round(250, 90, 4), round(1_000, 180, 6)], RUN);
    expect(report.summary).toMatchObject({
      fleetDataP50Ms: 90,
      fleetDataP99Ms: 180,
      fleetPageP50Ms: 3,
      fleetPageP99Ms: 6,
    });
    expect(report.targets.fleetDataP99Ms).toMatchObject({
      comparison: '<=',
      limit: 200,
      unit: 'ms',
      actual: 180,
      met: true,
    });
    expect(report.targets.fleetDataP99Ms?.measure).toContain('at 1000 bots, 10000 ended views kept');
    expect(report.targets.fleetPageP99Ms).toMatchObject({ limit: 200, actual: 6, met: true });
    expect(report.table?.map((row) => row.fleetDataP99Ms)).toEqual([90, 180]);
    expect(report.notes.some((n) => n.includes('GET /admin/fleet/data p50 90 ms, p99 180 ms'))).toBe(true);
    expect(report.notes.some((n) => n.startsWith('fleetDataP99Ms: missed'))).toBe(false);
  });

  it('a slow data answer misses its target with a note; one not measured is not met', () => {
    const report = fleetReport([round(1_000, 250, null)], RUN);
    expect(report.targets.fleetDataP99Ms?.met).toBe(false);
    expect(report.notes).toContain(
      'fleetDataP99Ms: missed, 250 ms against <= 200 ms, off by 50 ms (125% of the target).',
    );
    expect(report.targets.fleetPageP99Ms).toMatchObject({ actual: null, met: false });
    expect(report.notes).toContain('fleetPageP99Ms: not measured (target <= 200 ms).');
  });
});
