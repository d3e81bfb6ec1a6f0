import { describe, expect, it } from 'vitest';
import { RejoinPolicy } from '../../runner/supervisor/rejoin-policy.js';
import { ZoomRateLimitedError, ZoomScopeMissingError } from '../../runner/zoom/zoom-errors.js';

const settings = {
  rejoinMax: 4,
  rejoinBackoffMs: 1000,
  maxBackoffMs: 3000,
  obfRetryMs: 3000,
  authoriserAbsentMs: 10_000,
};
const drop = { kind: 'retry', cause: 'drop' } as const;
const waits = (policy: RejoinPolicy, n: number) =>
  Array.from({ length: n }, () => {
    const d = policy.afterAttempt(drop, true, 0);
    return d.kind === 'wait' ? d.ms : d.reason;
  });

describe('rejoin policy', () => {
  it('rejoins at once, then backs off exponentially (capped), then rejoin_limit', () => {
    expect(waits(new RejoinPolicy(settings), 5)).toEqual([0, 1000, 2000, 3000, 'rejoin_limit']);
  });

  it('starts afresh once the bot is back in the meeting', () => {
    const policy = new RejoinPolicy(settings);
    waits(policy, 3);
    policy.reset();
    expect(waits(policy, 2)).toEqual([0, 1000]);
  });

  it('rejoin.max 0: a drop ends the bot at once', () => {
    expect(waits(new RejoinPolicy({ ...settings, rejoinMax: 0 }), 1)).toEqual(['rejoin_limit']);
  });

  it('4017 is retried every obfRetryMs until authoriserAbsentMs has passed since the first', () => {
    const policy = new RejoinPolicy(settings);
    const absent = { kind: 'retry', cause: 'authoriser_absent', code: 4017 } as const;
    expect(policy.afterAttempt(absent, false, 1_000)).toMatchObject({ kind: 'wait', ms: 3000, show: 'stay' });
    expect(policy.afterAttempt(absent, false, 9_000)).toMatchObject({ kind: 'wait', ms: 2000 });
    expect(policy.afterAttempt(absent, false, 11_000)).toEqual({
      kind: 'end',
      reason: 'authoriser_absent_timeout',
      code: 4017,
    });
  });

  it('mint errors: retryable ones use the rejoin budget, others end auth_failed with the code', () => {
    const policy = new RejoinPolicy({ ...settings, rejoinMax: 1 });
    expect(policy.afterMintError(new ZoomRateLimitedError('429'))).toMatchObject({ kind: 'wait', ms: 0 });
    expect(policy.afterMintError(new ZoomRateLimitedError('429'))).toEqual({
      kind: 'end',
      reason: 'auth_failed',
      detail: 'zoom_rate_limited',
    });
    expect(new RejoinPolicy(settings).afterMintError(new ZoomScopeMissingError('scope'))).toEqual({
      kind: 'end',
      reason: 'auth_failed',
      detail: 'zoom_scope_missing',
    });
  });
});
