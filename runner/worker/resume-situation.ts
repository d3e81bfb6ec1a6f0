import type { BotView } from '../../shared/bot-view.js';
import type { StoredBot } from '../queue/bot-store.js';
import type { StartSituation } from '../supervisor/supervisor-types.js';

/**
 * Where a job picks up, from its bot view: a job seen for the first time starts fresh; one whose
 * view shows it had started (a crashed worker's, a handoff's) resumes, so a bot that had been in the
 * meeting comes back as a rejoin with its counters intact.
 */
export function resumeSituation(view: BotView | undefined): StartSituation {
  if (!view || view.state === 'queued' || view.state === 'scheduled') return { kind: 'fresh' };
  const wasInMeeting =
    view.rejoins > 0 || view.events.some((e) => e.state === 'in_meeting' || e.state === 'reconnecting');
  return {
    kind: 'resume',
    state: view.state,
    wasInMeeting,
    attempts: view.attempts,
    rejoins: view.rejoins,
    ...(view.state === 'leaving' ? { leavingFor: 'left_by_request' as const } : {}),
  };
}

/**
 * When the bot was first `in_meeting` in any run of its job (ms), for its max-duration clock: the
 * store keeps it (`firstInMeetingAt`, bot-store-scripts.ts); a record from before that field gives its
 * first `in_meeting` event, while the view still holds one. Undefined for a bot never in its meeting.
 */
export function firstInMeetingAt(stored: StoredBot | undefined): number | undefined {
  if (!stored) return undefined;
  const at = stored.meta.firstInMeetingAt ?? stored.view.events.find((e) => e.state === 'in_meeting')?.at;
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isFinite(ms) ? ms : undefined;
}
