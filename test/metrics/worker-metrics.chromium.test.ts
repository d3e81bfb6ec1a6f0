import { describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/** The worker's own /metrics, fed by a real bot's life against the sim. */
const rig = useWorkerRig();

async function scrape(): Promise<string> {
  const res = await fetch(`${rig.runtime.http.url}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? Number.NaN : Number(line.slice(series.length + 1));
}

describe('worker metrics', () => {
  it('bots by state, join latency, rejoins, ends, Zoom calls, Chromium memory and queue depth', async () => {
    const meeting = await rig.sim.createMeeting();
    const { service } = rig.runtime.layer;
    const { bot } = await service.enqueue(OPERATOR, {
      meetingNumber: meeting.number,
      displayName: 'Metrics Bot',
      auth: { type: 'zak' },
    });
    await expect
      .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 30_000 })
      .toBe('in_meeting');
    await expect.poll(async () => value(await scrape(), 'zbr_bots{state="in_meeting"}')).toBe(1);
    let text = await scrape();
    expect(value(text, 'zbr_join_seconds_count')).toBe(1);
    expect(value(text, 'zbr_chromium_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(text).toMatch(/^zbr_zoom_api_calls_total\{operation="[^"]+",status="200"\} \d+$/m);
    // The only worker holds the lease: it reports the queue (the bot's job is active) on its next
    // round, at most 5 s away.
    await expect
      .poll(async () => value(await scrape(), 'zbr_queue_jobs{state="active"}'), { timeout: 10_000 })
      .toBe(1);

    const [participant] = (await rig.sim.meeting(meeting.number)).participants.filter(
      (p) => p.customerKey === bot.id && p.state === 'in_meeting',
    );
    if (!participant) throw new Error('bot not in meeting');
    await rig.sim.participantControl(meeting.number, participant.id, 'drop');
    await expect.poll(async () => value(await scrape(), 'zbr_rejoins_total'), { timeout: 30_000 }).toBe(1);
    text = await scrape();
    expect(value(text, 'zbr_rejoin_gap_seconds_count')).toBe(1);
    expect(value(text, 'zbr_bots{state="in_meeting"}')).toBe(1);

    await service.leave(OPERATOR, bot.id);
    await expect
      .poll(async () => value(await scrape(), 'zbr_bot_ends_total{reason="left_by_request"}'), {
        timeout: 15_000,
      })
      .toBe(1);
    expect(value(await scrape(), 'zbr_bots{state="in_meeting"}')).toBe(0);
  });
});
