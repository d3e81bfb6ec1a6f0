import type { StateChange } from '../supervisor/ports.js';

/**
 * BullMQ's `failedReason` for a job found stalled more than `maxStalledCount` times (6.7: the stall
 * check marks it, and the next worker to take it fails it without running it).
 */
export const STALL_LIMIT_REASON = 'job stalled more than allowable limit';

/** `endDetail` of a bot whose job stalled too often (docs/contract.md §12). */
export const TOO_MANY_STALLS = 'too_many_stalls';
/** `endDetail` of a live bot whose job is gone (docs/contract.md §12). */
export const JOB_LOST = 'job_lost';

/** Longest failure text copied into a view: enough to look the bot up, never a wall of stack. */
const REASON_CHARS = 200;

/**
 * The `ended` change for a bot whose BullMQ job failed: `too_many_stalls` for the stall limit (a bot
 * whose worker keeps dying with it), else `job_failed: <BullMQ's reason>` (a processor that threw).
 * Either is `internal_error`: nothing the caller asked for could explain it.
 */
export function endForFailedJob(failedReason: string | undefined): StateChange {
  const reason = (failedReason ?? '').trim();
  if (reason === STALL_LIMIT_REASON) {
    return {
      state: 'ended',
      endReason: 'internal_error',
      endDetail: TOO_MANY_STALLS,
      reason: TOO_MANY_STALLS,
    };
  }
  return {
    state: 'ended',
    endReason: 'internal_error',
    endDetail: `job_failed: ${reason.slice(0, REASON_CHARS) || 'no reason given'}`,
    reason: 'job_failed',
  };
}

/** The `ended` change for a live bot whose job no longer exists (or finished without ending it). */
export function endForLostJob(): StateChange {
  return { state: 'ended', endReason: 'internal_error', endDetail: JOB_LOST, reason: JOB_LOST };
}
