import { describe, expect, it } from 'vitest';
import { RecordingRecorder } from '../../runner/metrics/recording-recorder.js';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import type { StateChange } from '../../runner/supervisor/ports.js';

function rig() {
  const metrics = new RunnerMetrics();
  const recorded: [string, StateChange][] = [];
  let now = 1_000_000;
  const recorder = new RecordingRecorder(
    {
      record: async (id, change) => {
        recorded.push([id, change]);
      },
    },
    metrics,
    () => now,
  );
  const advance = (ms: number) => {
    now += ms;
  };
  const value = async (name: string, labels: Record<string, string> = {}): Promise<number> => {
    // Histograms are registered under their base name; their values carry `_sum` / `_count`.
    const metric =
      metrics.registry.getSingleMetric(name) ??
      metrics.registry.getSingleMetric(name.replace(/_(sum|count)$/, ''));
    const data = await metric?.get();
    const match = data?.values.find(
      (v) =>
        ((v as { metricName?: string }).metricName ?? name) === name &&
        Object.entries(labels).every(([k, l]) => String((v.labels as Record<string, unknown>)[k]) === l),
    );
    return match?.value ?? 0;
  };
  return { metrics, recorder, recorded, advance, value };
}

describe('RecordingRecorder', () => {
  it('counts bots by state, observes join latency, rejoin gap and rejoins, and delegates every change', async () => {
    const { recorder, recorded, advance, value } = rig();
    await recorder.record('a', { state: 'minting', attempts: 1, rejoins: 0 });
    await recorder.record('b', { state: 'minting', attempts: 1, rejoins: 0 });
    expect(await value('zbr_bots', { state: 'minting' })).toBe(2);
    advance(400);
    await recorder.record('a', { state: 'joining', attempts: 1, rejoins: 0 });
    advance(1100);
    await recorder.record('a', { state: 'in_meeting', attempts: 1, rejoins: 0 });
    expect(await value('zbr_bots', { state: 'in_meeting' })).toBe(1);
    expect(await value('zbr_bots', { state: 'minting' })).toBe(1);
    expect(await value('zbr_bots', { state: 'joining' })).toBe(0);
    expect(await value('zbr_join_seconds_sum')).toBeCloseTo(1.5);
    expect(await value('zbr_join_seconds_count')).toBe(1);

    // A drop: in_meeting → rejoining → minting → joining → in_meeting, 1.2 s later.
    await recorder.record('a', { state: 'rejoining', reason: 'drop', code: -3000, rejoins: 0 });
    advance(200);
    await recorder.record('a', { state: 'minting', rejoins: 0 });
    advance(1000);
    await recorder.record('a', { state: 'joining', rejoins: 0 });
    await recorder.record('a', { state: 'in_meeting', rejoins: 1 });
    expect(await value('zbr_rejoins_total')).toBe(1);
    expect(await value('zbr_rejoin_gap_seconds_sum')).toBeCloseTo(1.2);
    expect(await value('zbr_join_seconds_count')).toBe(1);

    // A blip that the SDK recovers by itself is a gap too, but not a rejoin.
    await recorder.record('a', { state: 'reconnecting', reason: 'failover', rejoins: 1 });
    advance(300);
    await recorder.record('a', { state: 'in_meeting', rejoins: 1 });
    expect(await value('zbr_rejoin_gap_seconds_count')).toBe(2);
    expect(await value('zbr_rejoins_total')).toBe(1);

    await recorder.record('a', { state: 'leaving', reason: 'alone' });
    await recorder.record('a', { state: 'ended', endReason: 'alone' });
    await recorder.record('b', { state: 'ended', endReason: 'join_refused', code: 3001 });
    expect(await value('zbr_bot_ends_total', { reason: 'alone' })).toBe(1);
    expect(await value('zbr_bot_ends_total', { reason: 'join_refused' })).toBe(1);
    for (const state of ['minting', 'in_meeting', 'leaving', 'ended'])
      expect(await value('zbr_bots', { state }), state).toBe(0);
    expect(recorded).toHaveLength(13);
    expect(recorded[0]).toEqual(['a', { state: 'minting', attempts: 1, rejoins: 0 }]);
  });

  it('forgets a bot handed off, and counts a resumed bot’s gap from when this process took it', async () => {
    const { recorder, advance, value } = rig();
    await recorder.record('h', { state: 'minting', rejoins: 0 });
    await recorder.record('h', { state: 'joining', rejoins: 0 });
    await recorder.record('h', { state: 'in_meeting', rejoins: 0 });
    recorder.forget('h');
    recorder.forget('h');
    expect(await value('zbr_bots', { state: 'in_meeting' })).toBe(0);

    // Another worker's bot, resumed here after a handoff, with 2 rejoins already counted elsewhere.
    await recorder.record('r', { state: 'rejoining', rejoins: 2 });
    advance(800);
    await recorder.record('r', { state: 'minting', rejoins: 2 });
    await recorder.record('r', { state: 'joining', rejoins: 2 });
    await recorder.record('r', { state: 'in_meeting', rejoins: 3 });
    expect(await value('zbr_rejoins_total')).toBe(1);
    expect(await value('zbr_rejoin_gap_seconds_sum')).toBeCloseTo(0.8);
    expect(await value('zbr_join_seconds_count')).toBe(1);
  });

  it('passes the store’s failure on, after counting', async () => {
    const metrics = new RunnerMetrics();
    const recorder = new RecordingRecorder(
      { record: () => Promise.reject(new Error('redis down')) },
      metrics,
    );
    await expect(recorder.record('x', { state: 'minting' })).rejects.toThrow('redis down');
    expect(await metrics.registry.getSingleMetricAsString('zbr_bots')).toContain(
      'zbr_bots{state="minting"} 1',
    );
  });
});
