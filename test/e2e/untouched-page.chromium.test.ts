import { describe, expect, it } from 'vitest';
import { isProcessRunning } from '../../runner/browser/chromium-processes.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { isAlive, spawnWorker } from '../../testkit/worker-process.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/**
 * docs/contract.md §12: a page that has not been touched for 7 s leaves its meeting by itself. The
 * real fault: a worker frozen (SIGSTOP) while its Chromium, a separate process, runs on; without
 * the page's own switch its bot would sit in the meeting as a ghost once another worker took it over.
 */
const rig = useWorkerRig({}, { startWorker: false });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('untouched page', () => {
  it('worker frozen with its Chromium alive: the bot’s page leaves its meeting by itself 7–9 s later', async () => {
    const { service, close } = await rig.openProducer();
    const worker = spawnWorker(rig.env());
    let chromium: number[] = [];
    try {
      await worker.ready;
      const meeting = await rig.sim.createMeeting();
      const { bot } = await service.enqueue(OPERATOR, {
        meetingNumber: meeting.number,
        displayName: 'Frozen Worker',
        auth: { type: 'zak' },
      });
      await expect
        .poll(async () => (await service.get(OPERATOR, bot.id)).state, { timeout: 30_000 })
        .toBe('in_meeting');
      const copies = async () =>
        (await rig.sim.meeting(meeting.number)).participants.filter((p) => p.customerKey === bot.id);
      const [copy, ...others] = await copies();
      expect(others).toEqual([]);
      expect(copy?.state).toBe('in_meeting');
      chromium = worker.descendants();
      expect(chromium.length).toBeGreaterThan(3);

      worker.child.kill('SIGSTOP');
      const frozenAt = Date.now();
      // Its Chromium runs on (a separate process; the pipe stays open), and so do the page's timers.
      expect(chromium.filter(isAlive)).toEqual(chromium);
      await sleep(4_000);
      expect((await copies()).map((p) => p.state)).toEqual(['in_meeting']);
      await expect
        .poll(async () => (await copies()).map((p) => p.state), { timeout: 6_000, interval: 200 })
        .toEqual(['left']);
      const leftMs = Date.now() - frozenAt;
      // 7 s after its last touch, which came at most 2 s before the freeze; the sim is told at once.
      expect(leftMs).toBeGreaterThan(4_500);
      expect(leftMs).toBeLessThan(10_000);
      // Its own leave (the SDK's leaveMeeting), not a connection lost.
      const history = (await rig.sim.meeting(meeting.number)).history.filter(
        (h) => h.participantId === copy?.id,
      );
      expect(history.at(-1)?.event).toBe('left');
      expect(chromium.filter(isAlive)).toEqual(chromium);
      console.info(`untouched page: left its meeting ${leftMs} ms after its worker froze`);
    } finally {
      // SIGKILL reaches a stopped process; its Chromium exits with the pipe.
      worker.child.kill('SIGKILL');
      await worker.exited;
      await close();
    }
    // Its whole Chromium tree, listed while it ran (other tests' Chromium on this machine is not ours to judge).
    await expect.poll(() => chromium.filter(isProcessRunning), { timeout: 10_000 }).toEqual([]);
  }, 90_000);
});
