import { describe, expect, it } from 'vitest';
import { BotLifecycle, IllegalTransitionError } from '../../runner/supervisor/bot-lifecycle.js';
import type { StateChange } from '../../runner/supervisor/ports.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { BOT_ID, harness, sleep, waitFor } from './fakes.js';

const never = new Promise<never>(() => {});

/** Leaving in each phase, shutdown handoff, the abort signal, resuming a job, and the lifecycle's guard. */
describe('supervisor: leaving', () => {
  it('leave while queued: ends at once, nothing minted', async () => {
    const h = harness();
    h.supervisor.requestLeave('left_by_request');
    expect(await h.run()).toEqual({ kind: 'ended', reason: 'left_by_request' });
    expect(h.states()).toEqual(['ended']);
    expect(h.mints).toHaveLength(0);
  });

  it('leave while minting: ends at once, no page opened', async () => {
    const h = harness({ mint: () => never });
    const run = h.run();
    await h.until('minting');
    h.supervisor.requestLeave('left_by_request');
    expect(await run).toEqual({ kind: 'ended', reason: 'left_by_request' });
    expect(h.states()).toEqual(['minting', 'ended']);
    expect(h.pages).toHaveLength(0);
  });

  it('leave while joining: the page leaves Zoom, then the bot ends', async () => {
    const h = harness({ onJoin: () => {} });
    const run = h.run();
    await h.until('joining');
    h.supervisor.requestLeave('left_by_request');
    expect(await run).toEqual({ kind: 'ended', reason: 'left_by_request' });
    expect(h.states()).toEqual(['minting', 'joining', 'leaving', 'ended']);
    expect(h.page(0).leaves).toEqual([50]);
  });

  it('leave while waiting for the host', async () => {
    const h = harness({ onJoin: (page) => page.change('Fail', 'not started', 3008) });
    const run = h.run();
    await h.until('waiting_for_host');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual(['minting', 'joining', 'waiting_for_host', 'leaving', 'ended']);
  });

  it('leave while in the waiting room', async () => {
    const h = harness({ onJoin: (page) => page.change('Reconnecting', 'on hold') });
    const run = h.run();
    await h.until('in_waiting_room');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual(['minting', 'joining', 'in_waiting_room', 'leaving', 'ended']);
  });

  it('leave while reconnecting', async () => {
    const h = harness({ settings: { reconnectGraceMs: 5_000 } });
    const run = h.run();
    await h.until('in_meeting');
    h.page().change('Reconnecting', 'failover');
    await h.until('reconnecting');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'reconnecting', 'leaving', 'ended']);
  });

  it('leave while waiting between rejoins: ends at once', async () => {
    const h = harness({
      request: { rejoin: { max: 5, backoffMs: 10_000 } },
      onJoin: (page) => page.change('Fail', 'full', 4005),
    });
    const run = h.run();
    // The first retry is at once; the second waits out the backoff in `rejoining`.
    await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'rejoining', 'the backoff');
    const asked = Date.now();
    h.supervisor.requestLeave('left_by_request');
    expect(await run).toEqual({ kind: 'ended', reason: 'left_by_request' });
    expect(Date.now() - asked).toBeLessThan(500);
    expect(h.states().slice(-2)).toEqual(['rejoining', 'ended']);
  });

  it('handoff (shutdown): leaves the meeting, records rejoining, resolves handoff', async () => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    h.supervisor.requestLeave('handoff');
    expect(await run).toEqual({ kind: 'handoff' });
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'rejoining']);
    expect(h.records[3]).toMatchObject({ reason: 'handoff' });
    expect(h.page(0).leaves).toHaveLength(1);
  });

  it('handoff before reaching Zoom: back to queued, nothing to leave', async () => {
    const h = harness({ mint: () => never });
    const run = h.run();
    await h.until('minting');
    h.supervisor.requestLeave('handoff');
    expect(await run).toEqual({ kind: 'handoff' });
    expect(h.states()).toEqual(['minting', 'queued']);
  });

  it('abort signal (lost lock): leaves at once, records nothing more, resolves handoff', async () => {
    const h = harness({ settings: { abortLeaveTimeoutMs: 7 } });
    const run = h.run();
    await h.until('in_meeting');
    const recorded = h.records.length;
    h.abort.abort();
    expect(await run).toEqual({ kind: 'handoff' });
    expect(h.page(0).leaves).toEqual([7]);
    expect(h.page(0).closed).toBe(true);
    expect(h.records).toHaveLength(recorded);
  });

  it('abort while minting: no page is opened, and a page that opens late is closed', async () => {
    let release: (() => void) | undefined;
    const h = harness({
      mint: (n) =>
        new Promise((resolve) => {
          release = () => resolve({ signature: `SIGNATURE-SECRET-${n}`, zak: `ZAK-SECRET-${n}` });
        }),
    });
    const run = h.run();
    await h.until('minting');
    h.abort.abort();
    expect(await run).toEqual({ kind: 'handoff' });
    release?.();
    await sleep(10);
    expect(h.pages).toHaveLength(0);
  });

  it('resume after a worker crash: the first way back into the meeting counts as a rejoin', async () => {
    const h = harness({
      start: { kind: 'resume', state: 'in_meeting', wasInMeeting: true, attempts: 2, rejoins: 1 },
    });
    const run = h.run();
    await h.until('in_meeting');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual(['rejoining', 'minting', 'joining', 'in_meeting', 'leaving', 'ended']);
    expect(h.records[0]).toMatchObject({ reason: 'resume' });
    expect(h.last()).toMatchObject({ attempts: 3, rejoins: 2 });
  });

  it('resume of a job that was never in the meeting: not a rejoin', async () => {
    const h = harness({
      start: { kind: 'resume', state: 'joining', wasInMeeting: false, attempts: 1, rejoins: 0 },
    });
    const run = h.run();
    await h.until('in_meeting');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'leaving', 'ended']);
    expect(h.last()).toMatchObject({ attempts: 2, rejoins: 0 });
  });
});

describe('bot lifecycle', () => {
  const make = () => {
    const records: StateChange[] = [];
    const lifecycle = new BotLifecycle(
      BOT_ID,
      {
        async record(_id, change) {
          records.push(change);
        },
      },
      captureLogger().logger,
      'queued',
    );
    return { lifecycle, records };
  };

  it('an illegal transition throws a typed error with both states, and changes nothing', () => {
    const { lifecycle, records } = make();
    let thrown: unknown;
    try {
      lifecycle.transition('in_meeting');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransitionError);
    expect(thrown).toMatchObject({ from: 'queued', to: 'in_meeting', code: 'illegal_transition' });
    expect(lifecycle.state).toBe('queued');
    expect(records).toEqual([]);
  });

  it('records every transition in order with the counters, and survives a failing recorder', async () => {
    const records: StateChange[] = [];
    let fail = true;
    const lifecycle = new BotLifecycle(
      BOT_ID,
      {
        async record(_id, change) {
          if (fail) {
            fail = false;
            throw new Error('redis down');
          }
          records.push(change);
        },
      },
      captureLogger().logger,
      'queued',
    );
    lifecycle.transition('minting');
    lifecycle.countAttempt();
    lifecycle.transition('joining');
    lifecycle.transition('ended', { endReason: 'join_refused', code: 3001 });
    expect(lifecycle.state).toBe('ended');
    await lifecycle.flush();
    expect(records).toEqual([
      { state: 'joining', attempts: 1, rejoins: 0 },
      { state: 'ended', endReason: 'join_refused', code: 3001, attempts: 1, rejoins: 0 },
    ]);
  });
});
