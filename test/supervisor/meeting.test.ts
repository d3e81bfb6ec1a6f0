import { describe, expect, it } from 'vitest';
import { connect, HUMAN, harness, OUR_OTHER_BOT, SELF, sleep, waitFor } from './fakes.js';

/** docs/contract.md §5 in the meeting: blips, drops and rejoins, the ways a meeting ends, and leave rules. */
describe('supervisor: in the meeting', () => {
  it('blip: Reconnecting "failover" then Connected within the grace period, no rejoin, no new token', async () => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    h.page().change('Reconnecting', 'failover');
    await h.until('reconnecting');
    await sleep(20);
    connect(h.page());
    await h.until('in_meeting');
    await sleep(120); // past the grace period: nothing more happens
    h.page().change('Closed', 'ended by host');
    expect(await run).toEqual({ kind: 'ended', reason: 'ended_by_host' });
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'reconnecting', 'in_meeting', 'ended']);
    expect(h.mints).toHaveLength(1);
    expect(h.pages).toHaveLength(1);
    expect(h.last()).toMatchObject({ rejoins: 0, attempts: 1 });
  });

  it('failover without Connected within RECONNECT_GRACE_MS: rejoins on a fresh page and token', async () => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    h.page().change('Reconnecting', 'failover');
    await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'in_meeting', 'the rejoin');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual([
      'minting',
      'joining',
      'in_meeting',
      'reconnecting',
      'rejoining',
      'minting',
      'joining',
      'in_meeting',
      'leaving',
      'ended',
    ]);
    expect(h.records[4]).toMatchObject({ state: 'rejoining', reason: 'reconnect_timeout' });
    expect(h.last()).toMatchObject({ rejoins: 1, attempts: 2 });
  });

  it.each(['promote', 'depromote', 'join breakout room'])(
    'Reconnecting "%s": stays in the meeting',
    async (reason) => {
      const h = harness();
      const run = h.run();
      await h.until('in_meeting');
      h.page().change('Reconnecting', reason);
      await sleep(120);
      h.page().change('Closed', 'ended by host');
      await run;
      expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'ended']);
    },
  );

  it('drop: Fail -3000 after being in the meeting rejoins at once on a new token (mints 2, rejoins 1)', async () => {
    // A long backoff: only a rejoin at once gets back within the test's wait.
    const h = harness({ request: { rejoin: { backoffMs: 60_000 } } });
    const run = h.run();
    await h.until('in_meeting');
    const dropAt = Date.now();
    h.page().change('Fail', 'connection error', -3000);
    await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'in_meeting', 'the rejoin');
    expect(Date.now() - dropAt).toBeLessThan(1_500); // at once: no backoff before the first rejoin
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.mints).toHaveLength(2);
    expect(h.page(1).joins[0]?.zak).toBe('ZAK-SECRET-2');
    expect(h.page(0).closed).toBe(true);
    expect(h.states()).toEqual([
      'minting',
      'joining',
      'in_meeting',
      'rejoining',
      'minting',
      'joining',
      'in_meeting',
      'leaving',
      'ended',
    ]);
    expect(h.last()).toMatchObject({ rejoins: 1, attempts: 2 });
  });

  it('drop: 200 "connection error" after being in is a drop too', async () => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    h.page().change('Fail', 'connection error', 200);
    await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'in_meeting', 'the rejoin');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.last()).toMatchObject({ rejoins: 1 });
  });

  it.each(['crashed', 'closed'] as const)('page %s: rejoins on a fresh page', async (type) => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    h.page().emit(type === 'crashed' ? { type, message: 'renderer gone' } : { type });
    await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'in_meeting', 'the rejoin');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.records[3]).toMatchObject({ state: 'rejoining', reason: 'page_crashed' });
    expect(h.last()).toMatchObject({ rejoins: 1, endReason: 'left_by_request' });
  });

  it('its whole browser gone: rejoins, named browser_crashed', async () => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    h.page().emit({ type: 'crashed', message: 'browser process gone', browserGone: true });
    await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'in_meeting', 'the rejoin');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.records[3]).toMatchObject({ state: 'rejoining', reason: 'browser_crashed' });
  });

  it.each([
    [false, 'page_hung'],
    [true, 'browser_hung'],
  ] as const)(
    'its page hung (browserHung %s): rejoins on a fresh page, named %s',
    async (browserHung, reason) => {
      const h = harness();
      const run = h.run();
      await h.until('in_meeting');
      h.page().emit({ type: 'hung', browserHung, message: 'no beat for 10 s' });
      await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'in_meeting', 'the rejoin');
      expect(h.pages[0]?.closed).toBe(true);
      h.supervisor.requestLeave('left_by_request');
      await run;
      expect(h.records[3]).toMatchObject({ state: 'rejoining', reason });
      expect(h.last()).toMatchObject({ rejoins: 1, endReason: 'left_by_request' });
    },
  );

  it('a page hung before the bot got in: tried again, named page_hung', async () => {
    let opened = 0;
    const h = harness({
      onJoin: (page) => {
        opened += 1;
        if (opened === 1) page.emit({ type: 'hung', browserHung: false, message: 'join unanswered' });
        else connect(page);
      },
    });
    const run = h.run();
    await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'in_meeting', 'the second try');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.records.find((r) => r.state === 'rejoining')).toMatchObject({ reason: 'page_hung' });
  });

  it('Closed with an unlisted reason is a drop: rejoin', async () => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    h.page().change('Closed', 'unknown reason: 7');
    await waitFor(() => h.pages.length === 2 && h.supervisor.state === 'in_meeting', 'the rejoin');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.last()).toMatchObject({ rejoins: 1 });
  });

  it('rejoin_limit after rejoin.max consecutive rejoins that fail to get back in', async () => {
    const h = harness({
      request: { rejoin: { max: 3, backoffMs: 10 } },
      onJoin: (page) => (page.index === 0 ? connect(page) : page.change('Fail', 'connection error', -3000)),
    });
    const run = h.run();
    await h.until('in_meeting');
    h.page().change('Fail', 'connection error', -3000);
    expect(await run).toMatchObject({ kind: 'ended', reason: 'rejoin_limit' });
    expect(h.mints).toHaveLength(4);
    expect(h.states()).toEqual([
      'minting',
      'joining',
      'in_meeting',
      ...Array(3).fill(['rejoining', 'minting', 'joining']).flat(),
      'ended',
    ]);
    expect(h.last()).toMatchObject({ endReason: 'rejoin_limit', rejoins: 0, attempts: 4 });
  });

  it('a rejoin that gets back in resets the budget', async () => {
    const h = harness({
      request: { rejoin: { max: 1 } },
      onJoin: (page) => connect(page),
    });
    const run = h.run();
    for (let i = 1; i <= 3; i += 1) {
      await waitFor(() => h.pages.length === i && h.supervisor.state === 'in_meeting', `join ${i}`);
      h.page().change('Fail', 'connection error', -3000);
    }
    await waitFor(() => h.pages.length === 4 && h.supervisor.state === 'in_meeting', 'join 4');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.last()).toMatchObject({ rejoins: 3, attempts: 4, endReason: 'left_by_request' });
  });

  it.each([
    ['ended by host', 'ended_by_host'],
    ['free meeting ended', 'ended_by_host'],
    ['kicked by host', 'kicked'],
    ['expeled by host', 'kicked'],
    ['bot user kicked due to master leaving', 'authoriser_left'],
    ['duplicated session', 'duplicate_session'],
  ])('Closed "%s": ends %s, never rejoins', async (reason, endReason) => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    h.page().change('Closed', reason);
    expect(await run).toEqual({ kind: 'ended', reason: endReason });
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'ended']);
    expect(h.mints).toHaveLength(1);
    expect(h.pages).toHaveLength(1);
    expect(h.page(0).closed).toBe(true);
  });

  it('alone: leaves after aloneSec with only our own bots left, not while a person is there', async () => {
    const h = harness({ request: { leave: { aloneSec: 0.06 } } });
    const run = h.run();
    await h.until('in_meeting');
    h.page().users('user-added', [SELF, HUMAN, OUR_OTHER_BOT]);
    await sleep(120);
    expect(h.supervisor.state).toBe('in_meeting');
    const humanLeft = Date.now();
    h.page().users('user-removed', [HUMAN]);
    expect(await run).toEqual({ kind: 'ended', reason: 'alone' });
    expect(Date.now() - humanLeft).toBeGreaterThanOrEqual(50);
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'leaving', 'ended']);
  });

  it('alone: someone still in the waiting room does not count as company', async () => {
    const h = harness({ request: { leave: { aloneSec: 0.05 } } });
    const run = h.run();
    await h.until('in_meeting');
    h.page().users('user-added', [SELF, { ...HUMAN, isHold: true }]);
    expect(await run).toEqual({ kind: 'ended', reason: 'alone' });
  });

  it('max duration: leaves maxDurationSec after first reaching the meeting', async () => {
    const h = harness({ request: { leave: { maxDurationSec: 0.08 } } });
    const started = Date.now();
    const run = h.run();
    await h.until('in_meeting');
    h.page().users('user-added', [SELF, HUMAN]);
    expect(await run).toEqual({ kind: 'ended', reason: 'max_duration' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'leaving', 'ended']);
    expect(h.page(0).leaves).toHaveLength(1);
  });
});
