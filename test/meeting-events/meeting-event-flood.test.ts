import { describe, expect, it } from 'vitest';
import type { MeetingEvent } from '../../shared/meeting-events.js';
import { ACME_KEY, openSse, useMeetingRig } from './meeting-rig.js';

/**
 * docs/contract.md §11 against a hostile meeting: 10 000 chat messages in 10 s (six times the issue's
 * "10 000 in a minute"), to a bot whose log keeps `MEETING_EVENTS_MAX` (here 1000). The sim-client
 * driver has no page rate limits, so all of it reaches the runner: the cap is the runner's own.
 * Meanwhile a bot in another meeting must keep recording its own chat at its usual pace. Sim, worker,
 * API and test share this process's event loop: a probe's latency includes all of their work.
 */
const CAP = 1_000;
const FLOOD = 10_000;
const rig = useMeetingRig({ MEETING_EVENTS_MAX: String(CAP) });
const { sim } = rig;

describe('a chat flood', { timeout: 120_000 }, () => {
  it(`keeps ${CAP} events, and a bot elsewhere is not slowed`, async () => {
    const floodMeeting = (await sim.createMeeting()).number;
    const calmMeeting = (await sim.createMeeting()).number;
    const flooder = await sim.joinConnected(floodMeeting, { userName: 'Flooder' });
    const gail = await sim.addHuman(calmMeeting, 'Gail');
    const flooded = await rig.botInMeeting(floodMeeting);
    const calm = await rig.botInMeeting(calmMeeting);
    const stream = await openSse(`${rig.url}/v1/bots/${calm.id}/meeting-events/stream`, {
      Authorization: `Bearer ${ACME_KEY}`,
    });

    // A probe in the calm meeting every 100 ms, timed from the sim's answer to the SSE frame.
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let probing = true;
    const probes = (async () => {
      for (let i = 0; probing; i++) {
        const text = `probe ${i}`;
        await sim.call('POST', `/_sim/meetings/${calmMeeting}/chat`, { from: gail, text });
        sentAt.set(text, Date.now());
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const seenProbes = new Set<string>();
    const watcher = setInterval(() => {
      for (const frame of stream.events()) {
        const event = JSON.parse(frame.data as string) as MeetingEvent;
        if (event.type !== 'chat.received' || seenProbes.has(event.data.text)) continue;
        seenProbes.add(event.data.text);
        const sent = sentAt.get(event.data.text);
        if (sent !== undefined) latencies.push(Date.now() - sent);
      }
    }, 10);

    for (let i = 1; i <= FLOOD; i++) {
      flooder.sendRaw(JSON.stringify({ type: 'chat', ref: i, text: `flood ${i}` }));
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await expect
      .poll(
        async () => {
          const [last] = await rig.redis.xrevrange(
            `${rig.prefix}:mevents:${flooded.id}`,
            '+',
            '-',
            'COUNT',
            1,
          );
          return last?.[1][3] ?? '';
        },
        { timeout: 60_000, interval: 250 },
      )
      .toContain(`flood ${FLOOD}"`);
    probing = false;
    await probes;
    await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(watcher);
    await stream.close();

    // The cap holds: exactly the newest CAP events are kept, in order, without a gap.
    expect(await rig.redis.xlen(`${rig.prefix}:mevents:${flooded.id}`)).toBe(CAP);
    const kept = await rig.events(flooded.id);
    expect(kept).toHaveLength(CAP);
    const lastSeq = kept.at(-1)?.seq ?? 0;
    expect(kept.map((e) => e.seq)).toEqual(Array.from({ length: CAP }, (_, i) => lastSeq - CAP + 1 + i));
    expect(kept.at(-1)).toMatchObject({ type: 'chat.received', data: { text: `flood ${FLOOD}` } });
    const bytes = Number(await rig.redis.call('MEMORY', 'USAGE', `${rig.prefix}:mevents:${flooded.id}`));
    expect(bytes).toBeLessThan(1024 * 1024);

    // The calm bot kept up: every probe arrived, none slowly.
    expect(latencies.length).toBeGreaterThanOrEqual(50);
    expect(latencies.length).toBe(sentAt.size);
    const sorted = [...latencies].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? Number.POSITIVE_INFINITY;
    expect(p95, `probe latencies ${JSON.stringify(sorted)}`).toBeLessThan(500);
  });
});
