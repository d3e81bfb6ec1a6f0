import type { BotRequest, LeaveRules } from '../../shared/bot-request.js';

/** Process-wide knobs of the supervisor; the worker fills them from configuration. */
export interface SupervisorSettings {
  /** `RECONNECT_GRACE_MS`: how long the SDK's own failover reconnect may take before we rejoin. */
  reconnectGraceMs: number;
  /** How long the SDK gets to leave before the page's context is closed instead. */
  leaveTimeoutMs: number;
  /** Leave after the abort signal (lost lock, hard stop): short, another worker may already be joining. Default 1000. */
  abortLeaveTimeoutMs?: number;
  /** A join that shows no sign of life (no waiting, no Connected) this long is tried again. Default 60000. */
  joinTimeoutMs?: number;
  /** Pause between OBF joins while the authoriser is not in the meeting (4017). Default 3000. */
  obfRetryMs?: number;
  /** Cap of the exponential rejoin backoff. Default 60000. */
  maxBackoffMs?: number;
  /** `rejoin.max` when the request gives none. Default 5. */
  defaultRejoinMax?: number;
  /** `rejoin.backoffMs` when the request gives none. Default 1000. */
  defaultRejoinBackoffMs?: number;
  /**
   * Leave rules when the request gives none. The waits have defaults so that a forgotten bot cannot
   * hold a worker slot forever; `aloneSec` and `maxDurationSec` have none (a bot may be alone).
   */
  defaultLeave?: LeaveRules;
  /**
   * `MAX_BOT_DURATION_SEC`: the deployment's cap on a bot's time in its meeting. A request's
   * `leave.maxDurationSec` may ask for less, never more; without one, this is the bot's limit.
   */
  maxBotDurationSec?: number;
}

export const DEFAULT_LEAVE_RULES: Readonly<LeaveRules> = {
  waitingRoomSec: 1800,
  hostNotStartedSec: 1800,
  authoriserAbsentSec: 300,
};

export interface ResolvedSettings {
  reconnectGraceMs: number;
  leaveTimeoutMs: number;
  abortLeaveTimeoutMs: number;
  joinTimeoutMs: number;
  obfRetryMs: number;
  maxBackoffMs: number;
  rejoinMax: number;
  rejoinBackoffMs: number;
  /** Leave rules in milliseconds; `undefined` means the rule never fires. */
  maxDurationMs: number | undefined;
  aloneMs: number | undefined;
  waitingRoomMs: number | undefined;
  hostNotStartedMs: number | undefined;
  authoriserAbsentMs: number | undefined;
}

const seconds = (sec: number | undefined): number | undefined => (sec === undefined ? undefined : sec * 1000);

/** The smaller of what was asked and the cap; either may be absent. */
const capped = (asked: number | undefined, cap: number | undefined): number | undefined =>
  asked === undefined ? cap : cap === undefined ? asked : Math.min(asked, cap);

/** Settings and the request's own rules, merged once: the request wins, then settings, then defaults. */
export function resolveSettings(settings: SupervisorSettings, request: BotRequest): ResolvedSettings {
  const leave: LeaveRules = { ...DEFAULT_LEAVE_RULES, ...settings.defaultLeave, ...request.leave };
  return {
    reconnectGraceMs: settings.reconnectGraceMs,
    leaveTimeoutMs: settings.leaveTimeoutMs,
    abortLeaveTimeoutMs: settings.abortLeaveTimeoutMs ?? 1000,
    joinTimeoutMs: settings.joinTimeoutMs ?? 60_000,
    obfRetryMs: settings.obfRetryMs ?? 3000,
    maxBackoffMs: settings.maxBackoffMs ?? 60_000,
    rejoinMax: request.rejoin?.max ?? settings.defaultRejoinMax ?? 5,
    rejoinBackoffMs: request.rejoin?.backoffMs ?? settings.defaultRejoinBackoffMs ?? 1000,
    maxDurationMs: seconds(capped(leave.maxDurationSec, settings.maxBotDurationSec)),
    aloneMs: seconds(leave.aloneSec),
    waitingRoomMs: seconds(leave.waitingRoomSec),
    hostNotStartedMs: seconds(leave.hostNotStartedSec),
    authoriserAbsentMs: seconds(leave.authoriserAbsentSec),
  };
}
