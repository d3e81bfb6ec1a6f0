import { z } from 'zod';
import type { EndReason } from './end-reasons.js';

/**
 * docs/contract.md §5, implemented once: what each Meeting SDK signal means for a bot. Both the runner's
 * supervisor and the tests read this table; the page only reports raw signals.
 */

/** A `connection-change` payload as the SDK emits it (real or zoom-sim). */
export const connectionChangeSchema = z.object({
  state: z.string().min(1).max(64),
  reason: z.string().max(512).optional(),
  errorCode: z.number().int().optional(),
});
export type ConnectionChange = z.infer<typeof connectionChangeSchema>;

export const NOT_STARTED_CODES: readonly number[] = [3008, 3129];
export const AUTHORISER_ABSENT_CODE = 4017;
/** Refusals worth another try with a fresh token and signature. */
export const RETRY_FRESH_CODES: readonly number[] = [4005, -3000, 3623, 3705];
/** Refusals that no retry can fix. */
export const FATAL_REFUSAL_CODES: readonly number[] = [
  3001, 3004, 3009, 3706, 3707, 3712, 4004, 4006, 4011, 4012, 4013, 4014, 4015,
];
/** Zoom's generic code: the SDK puts Zoom's own message in `reason`. */
export const GENERIC_CODE = 200;
export const CONNECTION_ERROR_REASON = 'connection error';
/** How often a generic 200 refusal is retried before the bot ends (docs/contract.md §5: "retry twice"). */
export const GENERIC_REFUSAL_RETRIES = 2;

export type JoinRefusalAction =
  | { kind: 'wait_for_host' }
  | { kind: 'retry_obf' }
  | { kind: 'retry_fresh' }
  | { kind: 'retry_then_end'; retries: number }
  | { kind: 'end'; reason: 'join_refused' };

/** A join that failed before the bot was ever `Connected` (join() rejected, or `Fail`). */
export function classifyJoinRefusal(
  errorCode: number | undefined,
  reason: string | undefined,
): JoinRefusalAction {
  if (errorCode === undefined) return { kind: 'retry_then_end', retries: GENERIC_REFUSAL_RETRIES };
  if (NOT_STARTED_CODES.includes(errorCode)) return { kind: 'wait_for_host' };
  if (errorCode === AUTHORISER_ABSENT_CODE) return { kind: 'retry_obf' };
  if (RETRY_FRESH_CODES.includes(errorCode)) return { kind: 'retry_fresh' };
  if (errorCode === GENERIC_CODE && reason === CONNECTION_ERROR_REASON) return { kind: 'retry_fresh' };
  if (FATAL_REFUSAL_CODES.includes(errorCode)) return { kind: 'end', reason: 'join_refused' };
  // 200 with Zoom's own message, or a code this table does not list: the "other" row.
  return { kind: 'retry_then_end', retries: GENERIC_REFUSAL_RETRIES };
}

export interface SignalContext {
  /** The bot has been `Connected` during this attempt. */
  wasConnected: boolean;
  /** The bot is in the waiting room (current user `isHold`). */
  inWaitingRoom: boolean;
  /** Set once the runner asked the SDK to leave: the reason that asked. */
  leavingFor?: EndReason;
}

export type SignalAction =
  | { kind: 'in_meeting' }
  | { kind: 'in_waiting_room' }
  | { kind: 'waiting_for_host' }
  /** SDK failover: it retries by itself; rejoin after the grace period. */
  | { kind: 'reconnecting' }
  /** Promote, depromote, breakout moves: still in the meeting. */
  | { kind: 'stay' }
  /** Lost the meeting: rejoin at once on a fresh token, then back off. */
  | { kind: 'drop'; detail: string }
  | { kind: 'end'; reason: EndReason; detail?: string }
  | { kind: 'refused'; errorCode: number | undefined; detail: string | undefined; action: JoinRefusalAction };

const ENDED_REASONS = ['ended by host', 'free meeting ended'];
const KICKED_REASONS = ['kicked by host', 'expeled by host'];
const AUTHORISER_LEFT_REASON = 'bot user kicked due to master leaving';
const DUPLICATE_REASON = 'duplicated session';
const STAY_RECONNECT_REASONS = [
  'promote',
  'depromote',
  'join breakout room',
  'leave breakout room',
  'move to breakout room',
];

export function interpretConnectionChange(signal: ConnectionChange, ctx: SignalContext): SignalAction {
  const reason = signal.reason;
  switch (signal.state) {
    case 'Connected':
      return { kind: 'in_meeting' };
    case 'Reconnecting':
      if (reason === 'failover') return { kind: 'reconnecting' };
      if (reason === 'on hold') return { kind: 'in_waiting_room' };
      if (reason !== undefined && (STAY_RECONNECT_REASONS.includes(reason) || reason.includes('breakout'))) {
        return { kind: 'stay' };
      }
      // An unlisted reconnect is the SDK reconnecting by itself: treat as failover.
      return { kind: 'reconnecting' };
    case 'Closed':
      if (reason !== undefined && ENDED_REASONS.includes(reason))
        return { kind: 'end', reason: 'ended_by_host' };
      if (reason !== undefined && KICKED_REASONS.includes(reason)) {
        return { kind: 'end', reason: ctx.inWaitingRoom ? 'removed_from_waiting_room' : 'kicked' };
      }
      if (reason === AUTHORISER_LEFT_REASON) return { kind: 'end', reason: 'authoriser_left' };
      if (reason === DUPLICATE_REASON) return { kind: 'end', reason: 'duplicate_session' };
      if (ctx.leavingFor !== undefined) return { kind: 'end', reason: ctx.leavingFor };
      return { kind: 'drop', detail: reason ?? 'closed' };
    case 'Fail': {
      if (ctx.leavingFor !== undefined) return { kind: 'end', reason: ctx.leavingFor };
      if (
        signal.errorCode !== undefined &&
        NOT_STARTED_CODES.includes(signal.errorCode) &&
        !ctx.wasConnected
      ) {
        return { kind: 'waiting_for_host' };
      }
      if (ctx.wasConnected)
        return { kind: 'drop', detail: `${signal.errorCode ?? ''} ${reason ?? ''}`.trim() };
      return {
        kind: 'refused',
        errorCode: signal.errorCode,
        detail: reason,
        action: classifyJoinRefusal(signal.errorCode, reason),
      };
    }
    default:
      // Unlisted signal: the table's "other" row. Before Connected it is a failed join, after it a drop.
      if (ctx.leavingFor !== undefined) return { kind: 'end', reason: ctx.leavingFor };
      if (ctx.wasConnected) return { kind: 'drop', detail: `${signal.state} ${reason ?? ''}`.trim() };
      return {
        kind: 'refused',
        errorCode: signal.errorCode,
        detail: reason,
        action: classifyJoinRefusal(signal.errorCode, reason),
      };
  }
}
