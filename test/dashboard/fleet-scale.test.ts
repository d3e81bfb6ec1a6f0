import { describe, expect, it } from 'vitest';
import type { FleetSnapshot } from '../../runner/dashboard/fleet-snapshot.js';
import { fleetCardSchema, fleetCardsKey } from '../../runner/queue/fleet-cards.js';
import { fleetMinuteKey } from '../../runner/queue/fleet-minutes.js';
import { queueKeys } from '../../runner/queue/queue-names.js';
import { workerBeatKeys } from '../../runner/worker/worker-beat.js';
import type { BotState } from '../../shared/bot-states.js';
import { startApi } from '../api/api-fixture.js';

const LIVE = 1_000;
const ENDED = 10_000;
const WORKERS = 100;
const BOTS_PER_MEETING = 5;
const USER = 'ops';
const PASSWORD = 'fleet-pw-0123456789';

/** A view as the store writes it, with a full event history (the worst case for its size). */
function storedView(id: string, state: BotState, meetingNumber: string, createdMs: number): string {
  const at = new Date(createdMs).toISOString();
  const events = Array.from({ length: 50 }, (_, i) => ({
    at,
    state: i % 2 ? 'in_meeting' : 'rejoining',
    ...(i % 2 ? {} : { reason: 'drop' }),
  }));
  const view = {
    id,
    tenant: 'default',
    state,
    meetingNumber,
    displayName: `Bot ${id}`,
    attempts: 25,
    rejoins: 24,
    createdAt: at,
    updatedAt: at,
    events,
    ...(state === 'ended' ? { endReason: 'left_by_request' } : {}),
  };
  return JSON.stringify({
    view,
    meta: { createdMs, wasIn: true, webhookUrl: 'https://hooks.example.com/x' },
  });
}

/**
 * Issue 17: the fleet data answers within 200 ms with 1 000 live bots and 10 000 ended views. The
 * views with their indexes and live cards, heartbeats, minute counters and events are written
 * straight into Redis (this test's own prefix), as the store's scripts and the workers would leave
 * them, then `/admin/fleet/data` is asked over real HTTP through the real API app.
 */
describe('fleet data at fleet size', () => {
  it(`answers with ${LIVE} live bots, ${ENDED} ended views and ${WORKERS} workers`, async () => {
    const api = await startApi({ DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD });
    const prefix = api.layer.queue.opts.prefix ?? '';
    const keys = queueKeys(prefix);
    const redis = api.layer.redis;
    const now = Date.now();

    let pipeline = redis.pipeline();
    const flush = async () => {
      await pipeline.exec();
      pipeline = redis.pipeline();
    };
    const liveStates: BotState[] = ['in_meeting', 'in_meeting', 'in_meeting', 'joining', 'rejoining'];
    const liveIds: string[] = [];
    for (let i = 0; i < LIVE; i++) {
      const id = `live-${i}`;
      const state = liveStates[i % liveStates.length] as BotState;
      const meeting = String(80_000_000_000 + Math.floor(i / BOTS_PER_MEETING));
      liveIds.push(id);
      const stored = storedView(id, state, meeting, now - i);
      pipeline.set(keys.bot(id), stored);
      // The card the store's scripts keep beside each live view (runner/queue/fleet-cards.ts).
      pipeline.hset(
        fleetCardsKey(prefix),
        id,
        JSON.stringify(fleetCardSchema.parse(JSON.parse(stored).view)),
      );
      pipeline.zadd(keys.allIndex, now - i, id);
      pipeline.zadd(keys.stateIndex(state), now - i, id);
      if (i % 500 === 499) await flush();
    }
    for (let i = 0; i < ENDED; i++) {
      const id = `ended-${i}`;
      pipeline.set(keys.bot(id), storedView(id, 'ended', '81234567890', now - LIVE - i), 'PX', 600_000);
      pipeline.zadd(keys.allIndex, now - LIVE - i, id);
      pipeline.zadd(keys.stateIndex('ended'), now - LIVE - i, id);
      if (i % 500 === 499) await flush();
    }
    const beats = workerBeatKeys(prefix);
    for (let w = 0; w < WORKERS; w++) {
      const name = `worker-${w}`;
      const bots = liveIds.slice(w * 10, w * 10 + 10);
      const beat = {
        name,
        host: 'host',
        pid: 1000 + w,
        startedAt: now - 3_600_000,
        beatAt: now,
        slots: 10,
        bots,
        accepting: true,
        chromiumBytes: 2_000_000_000,
        browsers: 1,
        warmPages: 1,
      };
      pipeline.set(beats.beat(name), JSON.stringify(beat), 'PX', 60_000);
      pipeline.zadd(beats.index, now, name);
    }
    const minute = Math.floor(Number((await redis.time())[0]) / 60);
    for (let m = 0; m < 60; m++) {
      const key = fleetMinuteKey(prefix, minute - m);
      pipeline.hset(key, 'd:in_meeting', 5, 'd:rejoining', -1, 'end:left_by_request', 40, 'rejoin:drop', 7);
      pipeline.expire(key, 7200);
    }
    for (let i = 0; i < 2_000; i++) {
      const id = liveIds[i % LIVE] as string;
      const message = JSON.stringify({
        id,
        state: 'in_meeting',
        at: new Date(now).toISOString(),
        view: JSON.parse(storedView(id, 'in_meeting', '80000000000', now)).view,
      });
      pipeline.xadd(keys.eventsStream, '*', 'id', id, 'event', message, 'url', '', 'global', '');
    }
    await flush();

    const headers = { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
    // Wall time depends on what else the machine runs; CPU time (this process serves and asks) less so.
    const ask = async (): Promise<{ ms: number; cpuMs: number; bytes: number; data: FleetSnapshot }> => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      const res = await fetch(`${api.url}/admin/fleet/data`, { headers });
      const text = await res.text();
      const data = JSON.parse(text) as FleetSnapshot;
      const used = process.cpuUsage(cpu);
      return {
        ms: performance.now() - started,
        cpuMs: (used.user + used.system) / 1000,
        bytes: text.length,
        data,
      };
    };
    await ask(); // warm: connections, JIT
    const runs: Awaited<ReturnType<typeof ask>>[] = [];
    for (let i = 0; i < 7; i++) runs.push(await ask());
    const times = runs.map((run) => run.ms).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    const readMs = runs.map((run) => run.data.readMs).sort((a, b) => a - b);
    const cpuMs = runs.map((run) => run.cpuMs).sort((a, b) => a - b);
    // The number for the report (issue 17 asks for 200 ms).
    console.log(
      `fleet data, ${LIVE} live / ${ENDED} ended / ${WORKERS} workers: median ${median.toFixed(0)} ms, ` +
        `min ${(times[0] as number).toFixed(0)}, max ${(times.at(-1) as number).toFixed(0)} ms over HTTP; ` +
        `reading Redis: median ${readMs[3]} ms, min ${readMs[0]} ms; ` +
        `CPU of this process per answer: median ${cpuMs[3]?.toFixed(0)} ms; ${runs[0]?.bytes} bytes`,
    );

    const { data } = runs[0] as { data: FleetSnapshot };
    expect(data.counts).toMatchObject({ in_meeting: 600, joining: 200, rejoining: 200, ended: ENDED });
    expect(data.meetings).toHaveLength(LIVE / BOTS_PER_MEETING);
    expect(data.meetings.reduce((n, m) => n + m.bots.length, 0)).toBe(LIVE);
    expect(data.workers).toHaveLength(WORKERS);
    expect(data.meetings[0]?.bots[0]?.worker).toMatch(/^worker-/);
    expect(data.history.ends.left_by_request?.reduce((a, b) => a + b, 0)).toBe(60 * 40);
    expect(data.changes.changes).toHaveLength(30);
    // A bound that a loaded 2-core machine cannot miss; the measured number is what counts.
    expect(median).toBeLessThan(2_000);
  }, 120_000);
});
