import { describe, expect, it } from 'vitest';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { useWorkerRig } from '../helpers/worker-rig.js';

/** A worker short of memory takes no bots; a draining worker keeps its bots until their meetings end. */
const rig = useWorkerRig({}, { startWorker: false });
const service = () => rig.runtime.layer.service;

describe('capacity and drain', () => {
  it('takes no bot while free memory is below WORKER_MIN_FREE_MEMORY_MB, and says so on /readyz', async () => {
    await rig.startWorker({ WORKER_MIN_FREE_MEMORY_MB: '1000000' });
    const meeting = await rig.sim.createMeeting();
    const { bot } = await service().enqueue(OPERATOR, {
      meetingNumber: meeting.number,
      displayName: 'Waiting',
      auth: { type: 'zak' },
    });
    // Deliberately lets time pass: a worker ignoring the memory floor would have taken the bot by then.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((await service().get(OPERATOR, bot.id)).state).toMatch(/queued/);
    expect((await rig.sim.meeting(meeting.number)).participants).toEqual([]);
    const ready = await fetch(`${rig.runtime.http.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { accepting: false, redis: true } });
    // Nothing is lost: a worker with room takes the same bot.
    await rig.stopWorker();
    await rig.startWorker();
    await expect
      .poll(async () => (await service().get(OPERATOR, bot.id)).state, { timeout: 30_000 })
      .toBe('in_meeting');
    await service().leave(OPERATOR, bot.id);
    await expect
      .poll(async () => (await service().get(OPERATOR, bot.id)).state, { timeout: 15_000 })
      .toBe('ended');
  }, 90_000);

  it('drain: stops taking bots but keeps its bots until their meetings end', async () => {
    const meeting = await rig.sim.createMeeting();
    const { bot } = await service().enqueue(OPERATOR, {
      meetingNumber: meeting.number,
      displayName: 'Drained',
      auth: { type: 'zak' },
    });
    await expect
      .poll(async () => (await service().get(OPERATOR, bot.id)).state, { timeout: 30_000 })
      .toBe('in_meeting');
    const runtime = rig.runtime;
    let stopped = false;
    const draining = runtime.shutdown('drain').then(() => {
      stopped = true;
    });
    // Deliberately lets time pass: a drain that does not wait for the meeting would have stopped by then.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(stopped).toBe(false);
    expect((await service().get(OPERATOR, bot.id)).state).toBe('in_meeting');
    const ready = await fetch(`${runtime.http.url}/readyz`);
    expect(ready.status).toBe(503);
    await rig.sim.control(meeting.number, 'end');
    await draining;
    const producer = await rig.openProducer();
    expect(await producer.service.get(OPERATOR, bot.id)).toMatchObject({
      state: 'ended',
      endReason: 'ended_by_host',
    });
    await producer.close();
  }, 90_000);
});
