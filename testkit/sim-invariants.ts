import type { MeetingView } from '../zoom-sim/meetings/meeting.js';

const GONE = new Set(['left', 'dropped', 'removed', 'ended', 'duplicate_session']);

/**
 * From a sim meeting's history: every moment at which two participants carried one bot's
 * `customerKey` (a ghost or a double). Empty means the meeting never held two copies of a bot.
 */
export function overlappingBotCopies(view: MeetingView): string[] {
  const keyOf = new Map(view.participants.map((p) => [p.id, p.customerKey]));
  const present = new Map<string, Set<number>>();
  const problems: string[] = [];
  for (const entry of view.history) {
    const key = keyOf.get(entry.participantId);
    if (!key) continue;
    const ids = present.get(key) ?? new Set<number>();
    present.set(key, ids);
    if (GONE.has(entry.event)) ids.delete(entry.participantId);
    else ids.add(entry.participantId);
    if (ids.size > 1) problems.push(`${entry.at} ${key}: participants ${[...ids].join(', ')}`);
  }
  return problems;
}
