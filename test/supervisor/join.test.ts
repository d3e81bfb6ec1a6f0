import { describe, expect, it } from 'vitest';
import { UrlNotAllowedError } from '../../runner/http/url-not-allowed-error.js';
import {
  ZoomDailyLimitError,
  ZoomUnavailableError,
  ZoomUserNotFoundError,
} from '../../runner/zoom/zoom-errors.js';
import { BOT_ID, connect, type FakePage, harness, PASSCODE } from './fakes.js';

/** docs/contract.md §5, join refusals and the way in: what the bot view shows for each. */
describe('supervisor: joining', () => {
  it('Connected: joins with a fresh ZAK, our name, passcode and the bot id as customerKey', async () => {
    const h = harness();
    const run = h.run();
    await h.until('in_meeting');
    expect(h.page(0).joins).toEqual([
      {
        meetingNumber: '1234567890',
        signature: 'SIGNATURE-SECRET-1',
        zak: 'ZAK-SECRET-1',
        userName: 'Note Bot',
        password: PASSCODE,
        customerKey: BOT_ID,
      },
    ]);
    h.supervisor.requestLeave('left_by_request');
    expect(await run).toEqual({ kind: 'ended', reason: 'left_by_request' });
    expect(h.states()).toEqual(['minting', 'joining', 'in_meeting', 'leaving', 'ended']);
    expect(h.last()).toMatchObject({ endReason: 'left_by_request', attempts: 1, rejoins: 0 });
    expect(h.page(0).leaves).toEqual([50]);
    // Never a token, signature or passcode in the logs.
    const logs = h.logLines.join('');
    expect(logs).toContain('bot state');
    expect(logs).toContain(BOT_ID);
    expect(logs).not.toMatch(/SECRET/);
  });

  it('Fail 3008: waits for the host, then joins when the host starts', async () => {
    const h = harness({ onJoin: (page) => page.change('Fail', 'meeting not started', 3008) });
    const run = h.run();
    await h.until('waiting_for_host');
    connect(h.page(0));
    await h.until('in_meeting');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual(['minting', 'joining', 'waiting_for_host', 'in_meeting', 'leaving', 'ended']);
    expect(h.mints).toHaveLength(1);
  });

  it('host not started: leaves after hostNotStartedSec with host_not_started_timeout', async () => {
    const h = harness({
      request: { leave: { hostNotStartedSec: 0.05 } },
      onJoin: (page) => page.change('Fail', 'meeting not started', 3129),
    });
    expect(await h.run()).toEqual({ kind: 'ended', reason: 'host_not_started_timeout' });
    expect(h.states()).toEqual(['minting', 'joining', 'waiting_for_host', 'leaving', 'ended']);
    expect(h.page(0).leaves).toHaveLength(1);
  });

  it('Reconnecting "on hold": in the waiting room, then admitted', async () => {
    const h = harness({ onJoin: (page) => page.change('Reconnecting', 'on hold') });
    const run = h.run();
    await h.until('in_waiting_room');
    connect(h.page(0));
    await h.until('in_meeting');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual(['minting', 'joining', 'in_waiting_room', 'in_meeting', 'leaving', 'ended']);
  });

  it('waiting room: the current user on hold (isHold) also counts as waiting', async () => {
    const h = harness({
      onJoin: (page) =>
        page.emit({ type: 'user-updated', users: [], self: { userId: 1, userName: 'x', isHold: true } }),
    });
    const run = h.run();
    await h.until('in_waiting_room');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states()).toEqual(['minting', 'joining', 'in_waiting_room', 'leaving', 'ended']);
  });

  it('waiting room timeout: leaves after waitingRoomSec with waiting_room_timeout', async () => {
    const h = harness({
      request: { leave: { waitingRoomSec: 0.05 } },
      onJoin: (page) => page.change('Reconnecting', 'on hold'),
    });
    expect(await h.run()).toEqual({ kind: 'ended', reason: 'waiting_room_timeout' });
    expect(h.states()).toEqual(['minting', 'joining', 'in_waiting_room', 'leaving', 'ended']);
  });

  it('removed from the waiting room: Closed "kicked by host" while on hold', async () => {
    const h = harness({ onJoin: (page) => page.change('Reconnecting', 'on hold') });
    const run = h.run();
    await h.until('in_waiting_room');
    h.page(0).change('Closed', 'kicked by host');
    h.page(0).joinFailed(3009, 'kicked by host'); // join() rejects after the event: ignored
    expect(await run).toEqual({ kind: 'ended', reason: 'removed_from_waiting_room' });
    expect(h.states()).toEqual(['minting', 'joining', 'in_waiting_room', 'ended']);
    expect(h.mints).toHaveLength(1);
  });

  it('4017: retries with a fresh OBF every few ms until the authoriser is in, then joins', async () => {
    const h = harness({
      request: { auth: { type: 'obf', user: 'host@example.com' } },
      onJoin: (page) => (page.index < 2 ? page.joinFailed(4017, 'authoriser not in meeting') : connect(page)),
    });
    const run = h.run();
    await h.until('in_meeting');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.pages.map((p) => p.joins[0]?.obfToken)).toEqual([
      'OBF-SECRET-1',
      'OBF-SECRET-2',
      'OBF-SECRET-3',
    ]);
    expect(h.pages.every((p) => p.joins[0]?.zak === undefined)).toBe(true);
    expect(h.states()).toEqual([
      'minting',
      'joining',
      'minting',
      'joining',
      'minting',
      'joining',
      'in_meeting',
      'leaving',
      'ended',
    ]);
    expect(h.last()).toMatchObject({ attempts: 3, rejoins: 0 });
  });

  it('4017: ends with authoriser_absent_timeout after authoriserAbsentSec', async () => {
    const h = harness({
      request: { auth: { type: 'obf', user: 'host@example.com' }, leave: { authoriserAbsentSec: 0.08 } },
      onJoin: (page) => page.change('Fail', 'authoriser not in meeting', 4017),
    });
    expect(await h.run()).toMatchObject({ kind: 'ended', reason: 'authoriser_absent_timeout', code: 4017 });
    expect(h.mints.length).toBeGreaterThanOrEqual(3);
    expect(h.last()).toMatchObject({ state: 'ended', endReason: 'authoriser_absent_timeout' });
  });

  it.each([4005, 3623, 3705, -3000])('refusal %i: retried on a fresh token and signature', async (code) => {
    const h = harness({
      onJoin: (page) => (page.index === 0 ? page.change('Fail', 'connection error', code) : connect(page)),
    });
    const run = h.run();
    await h.until('in_meeting');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.pages[1]?.joins[0]).toMatchObject({ signature: 'SIGNATURE-SECRET-2', zak: 'ZAK-SECRET-2' });
    expect(h.pages[0]?.closed).toBe(true);
    expect(h.states().slice(0, 6)).toEqual([
      'minting',
      'joining',
      'rejoining',
      'minting',
      'joining',
      'in_meeting',
    ]);
    expect(h.last()).toMatchObject({ attempts: 2, rejoins: 0 });
  });

  it('fresh-token refusals are bounded: join_refused with the code once rejoin.max is spent', async () => {
    const h = harness({ request: { rejoin: { max: 2 } }, onJoin: (page) => page.joinFailed(4005, 'full') });
    expect(await h.run()).toEqual({ kind: 'ended', reason: 'join_refused', code: 4005, detail: 'full' });
    expect(h.mints).toHaveLength(3);
  });

  it.each([3001, 3004, 3009, 3706, 3707, 3712, 4004, 4006, 4011, 4012, 4013, 4014, 4015])(
    'refusal %i: ends join_refused with the code, no retry',
    async (code) => {
      const h = harness({ onJoin: (page) => page.joinFailed(code, `refused ${code}`) });
      expect(await h.run()).toEqual({
        kind: 'ended',
        reason: 'join_refused',
        code,
        detail: `refused ${code}`,
      });
      expect(h.states()).toEqual(['minting', 'joining', 'ended']);
      expect(h.last()).toMatchObject({ endReason: 'join_refused', code, endDetail: `refused ${code}` });
      expect(h.page(0).closed).toBe(true);
    },
  );

  it('Fail with a fatal code before Connected ends join_refused too (and the later join() rejection is ignored)', async () => {
    const h = harness({
      onJoin: (page) => {
        page.change('Fail', 'Meeting passcode wrong.', 3004);
        page.joinFailed(3004, 'Meeting passcode wrong.');
      },
    });
    expect(await h.run()).toMatchObject({ reason: 'join_refused', code: 3004 });
    expect(h.states()).toEqual(['minting', 'joining', 'ended']);
  });

  it("generic 200 with Zoom's message: retried twice on fresh tokens, then join_refused code 200", async () => {
    const h = harness({ onJoin: (page: FakePage) => page.joinFailed(200, 'Meeting does not exist.') });
    expect(await h.run()).toEqual({
      kind: 'ended',
      reason: 'join_refused',
      code: 200,
      detail: 'Meeting does not exist.',
    });
    expect(h.mints).toHaveLength(3);
    expect(h.last()).toMatchObject({
      endReason: 'join_refused',
      code: 200,
      endDetail: 'Meeting does not exist.',
    });
  });

  it('auth_failed: a non-retryable Zoom error ends at once with its code, no page opened', async () => {
    const h = harness({
      mint: async () => {
        throw new ZoomUserNotFoundError('no such user', {
          zoomCode: 1001,
          zoomMessage: 'User does not exist.',
        });
      },
    });
    expect(await h.run()).toEqual({ kind: 'ended', reason: 'auth_failed', detail: 'zoom_user_not_found' });
    expect(h.states()).toEqual(['minting', 'ended']);
    expect(h.last()).toMatchObject({ endReason: 'auth_failed', endDetail: 'zoom_user_not_found' });
    expect(h.pages).toHaveLength(0);
  });

  it('auth_failed: a refused token callback URL ends with url_not_allowed (a MintError, not a ZoomError)', async () => {
    const h = harness({
      mint: async () => {
        throw new UrlNotAllowedError('https://hooks.example.com is not in OUTBOUND_URL_ALLOWLIST');
      },
    });
    expect(await h.run()).toEqual({ kind: 'ended', reason: 'auth_failed', detail: 'url_not_allowed' });
  });

  it('a mint error without code and retryable (Redis down) is internal_error, not auth_failed', async () => {
    const h = harness({
      mint: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    });
    expect(await h.run()).toMatchObject({ reason: 'internal_error', detail: 'mint: ECONNREFUSED' });
  });

  it('auth_failed: zoom_daily_limit ends at once, without retrying', async () => {
    let tries = 0;
    const h = harness({
      mint: async () => {
        tries += 1;
        throw new ZoomDailyLimitError('daily limit', { retryAt: new Date(Date.now() + 3_600_000) });
      },
    });
    expect(await h.run()).toMatchObject({ reason: 'auth_failed', detail: 'zoom_daily_limit' });
    expect(tries).toBe(1);
  });

  it('a retryable Zoom error is retried with backoff, then the bot joins', async () => {
    let tries = 0;
    const h = harness({
      mint: async (n) => {
        tries += 1;
        if (tries === 1) throw new ZoomUnavailableError('zoom down');
        return { signature: `SIGNATURE-SECRET-${n}`, zak: `ZAK-SECRET-${n}` };
      },
    });
    const run = h.run();
    await h.until('in_meeting');
    h.supervisor.requestLeave('left_by_request');
    await run;
    expect(h.states().slice(0, 5)).toEqual(['minting', 'rejoining', 'minting', 'joining', 'in_meeting']);
    expect(h.records[1]).toMatchObject({ reason: 'zoom_unavailable' });
  });

  it('a retryable Zoom error that persists ends auth_failed once rejoin.max is spent', async () => {
    const h = harness({
      request: { rejoin: { max: 1 } },
      mint: async () => {
        throw new ZoomUnavailableError('zoom down');
      },
    });
    expect(await h.run()).toMatchObject({ reason: 'auth_failed', detail: 'zoom_unavailable' });
    expect(h.states()).toEqual(['minting', 'rejoining', 'minting', 'ended']);
  });
});
