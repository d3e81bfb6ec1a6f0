import { afterEach, describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import type { BotView } from '../../shared/bot-view.js';
import { END_REASONS } from '../../shared/end-reasons.js';
import { connectTestRedis, deletePrefix } from '../../testkit/redis.js';
import { useChaosChecks } from '../helpers/chaos-checks.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * Zoom's API misbehaves while a fleet joins at once: its OAuth server fails or rate limits, token
 * mints fail, and the account's per-second budget is far below what the runner believes (a 429 storm).
 * Within a bound, every bot is either in its meeting or ended with a named reason: none hangs in
 * between, and none is lost.
 */
const BOTS = 10;
const checks = useChaosChecks();
const rig = useWorkerRig({ WORKER_CONCURRENCY: String(BOTS) }, { startWorker: false });
const service = () => rig.runtime.layer.service;

afterEach(async () => {
  await rig.sim.call('PUT', '/_sim/faults', { oauth: null, userToken: null });
  await rig.sim.call('PUT', '/_sim/limits', { plan: 'pro', latencyMs: 0 });
  await rig.stopWorker();
});

/**
 * A worker with no access token yet, in memory or in Redis (where the fleet shares it): its first
 * mint asks OAuth.
 */
async function startWorkerWithoutToken(): Promise<void> {
  const redis = connectTestRedis();
  await deletePrefix(redis, `${rig.env().QUEUE_PREFIX}:zoom:`);
  redis.disconnect();
  await rig.startWorker();
}

/** `BOTS` bots enqueued at once, each in a meeting of its own (all mint a ZAK for the service user). */
async function massJoin(): Promise<BotView[]> {
  const meetings = await Promise.all(Array.from({ length: BOTS }, () => checks.createMeeting(rig.sim)));
  return Promise.all(
    meetings.map(
      async (meeting, i) =>
        (
          await service().enqueue(OPERATOR, {
            meetingNumber: meeting.number,
            displayName: `Storm ${i + 1}`,
            auth: { type: 'zak' },
          })
        ).bot,
    ),
  );
}

/** Waits until every bot is in its meeting or ended (at most `timeoutMs`), then answers their views. */
async function settled(bots: BotView[], timeoutMs: number): Promise<BotView[]> {
  const views = () => Promise.all(bots.map((bot) => service().get(OPERATOR, bot.id)));
  await expect
    .poll(
      async () =>
        (await views()).filter((v) => v.state !== 'in_meeting' && v.state !== 'ended').map((v) => v.state),
      { timeout: timeoutMs, interval: 500 },
    )
    .toEqual([]);
  return views();
}

const simStats = () => rig.sim.stats();
/** How many requests the sim answered with an injected fault so far, per target (the file's total). */
const faultsAnswered = async () => (await rig.sim.faults()).answered;

/** Every bot joined or ended with a reason of shared/end-reasons.ts; the joined ones are in their meeting. */
async function expectJoinedOrNamedEnd(views: BotView[]): Promise<BotView[]> {
  for (const view of views) {
    if (view.state === 'ended') expect(END_REASONS).toContain(view.endReason);
  }
  const joined = views.filter((v) => v.state === 'in_meeting');
  for (const view of joined) {
    const meeting = await rig.sim.meeting(view.meetingNumber);
    expect(
      meeting.participants.filter((p) => p.customerKey === view.id && p.state === 'in_meeting'),
    ).toHaveLength(1);
  }
  return joined;
}

async function leaveAll(bots: BotView[]): Promise<void> {
  await Promise.all(bots.map((bot) => service().leave(OPERATOR, bot.id)));
  for (const bot of bots) {
    await expect
      .poll(async () => (await service().get(OPERATOR, bot.id)).state, { timeout: 20_000 })
      .toBe('ended');
  }
}

describe('Zoom API failures during a mass join', () => {
  it('OAuth failing with 5xx for 3 s, then the token endpoint until 6 s: all bots get in once they work again', async () => {
    await startWorkerWithoutToken();
    const faultsBefore = await faultsAnswered();
    // The token endpoint fails for longer than OAuth: the mints that follow OAuth's return meet it.
    await rig.sim.call('PUT', '/_sim/faults', {
      oauth: { status: 503, forMs: 3_000 },
      userToken: { status: 500, forMs: 6_000 },
    });
    const startedAt = Date.now();
    const bots = await massJoin();
    const views = await settled(bots, 60_000);
    const joined = await expectJoinedOrNamedEnd(views);
    // A 6 s outage is well inside the rejoin budget: no bot should have given up.
    expect(joined.map((v) => v.id).sort()).toEqual(bots.map((b) => b.id).sort());
    expect(Date.now() - startedAt).toBeLessThan(45_000);
    // The outage happened: the fleet's first OAuth calls were answered 503, its first mints 500.
    const faultsAfter = await faultsAnswered();
    expect(faultsAfter.oauth - faultsBefore.oauth).toBeGreaterThan(0);
    expect(faultsAfter.userToken - faultsBefore.userToken).toBeGreaterThan(0);
    // One OAuth token for the whole fleet once OAuth answered.
    expect((await simStats()).oauthTokensIssued).toBe(1);
    await leaveAll(bots);
  }, 120_000);

  it('OAuth rate limiting (429) and a 429 storm on token mints (Light at 1/s): every bot still gets in', async () => {
    await startWorkerWithoutToken();
    const faultsBefore = await faultsAnswered();
    await rig.sim.call('PUT', '/_sim/faults', { oauth: { status: 429, forMs: 2_000 } });
    // The runner budgets for Pro (30/s); Zoom lets one mint a second through: most calls get 429.
    await rig.sim.call('PUT', '/_sim/limits', { light: { perSecond: 1 } });
    const before = await simStats();
    const bots = await massJoin();
    const views = await settled(bots, 90_000);
    const joined = await expectJoinedOrNamedEnd(views);
    const after = await simStats();
    expect(joined.length, JSON.stringify(views.map((v) => [v.state, v.endReason, v.endDetail]))).toBe(BOTS);
    // Both storms happened: OAuth answered the injected 429, and the Light budget refused mints.
    expect((await faultsAnswered()).oauth - faultsBefore.oauth).toBeGreaterThan(0);
    expect(after.rateLimited - before.rateLimited).toBeGreaterThan(0);
    await leaveAll(bots);
  }, 120_000);
});
