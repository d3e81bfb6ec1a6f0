import type { PageMeetingEventInput, PageParticipantData } from '../../shared/bridge.js';
import { CUSTOMER_KEY_MAX } from '../../shared/meeting-event-bounds.js';
import type { ParticipantRole } from '../../shared/meeting-events.js';
import type { DropTally } from './drop-tally.js';
import { isRecord, participantIdOf, reportedName } from './sdk-payloads.js';

/** More participants than any Zoom meeting holds: ids beyond this are a hostile flood, dropped. */
export const ROSTER_MAX = 10_000;

interface Member {
  participantId: number;
  name: string;
  role: ParticipantRole;
  customerKey?: string;
  /** In the meeting proper: not on hold in the waiting room. */
  present: boolean;
}

/** What one SDK participant payload says; absent fields say nothing (`user-updated` is often partial). */
interface Sighting {
  participantId: number;
  name?: string;
  role?: ParticipantRole;
  hold?: boolean;
  customerKey?: string;
  reason?: 'failover' | 'on hold';
}

type ParticipantEventType = 'participant.joined' | 'participant.left' | 'participant.updated';

/**
 * Who is in the meeting as this page has seen it, turning `user-added`, `user-updated` and
 * `user-removed` into `participant.*` events. The SDK sends full `Participant`s or partial
 * `ParticipantPropertiesPayload`s, an array or a single object; a participant on hold is not in the
 * meeting. `participant.updated` goes out only when the name or the role changed (not for mute,
 * video or hand raises).
 */
export class MeetingRoster {
  private readonly members = new Map<number, Member>();

  constructor(
    private readonly selfId: () => number | undefined,
    private readonly tally: DropTally,
  ) {}

  added(payload: unknown): PageMeetingEventInput[] {
    return this.each(payload, (seen) => this.sighted(seen));
  }

  updated(payload: unknown): PageMeetingEventInput[] {
    return this.each(payload, (seen) => this.sighted(seen));
  }

  removed(payload: unknown): PageMeetingEventInput[] {
    return this.each(payload, (seen) => {
      const member = this.members.get(seen.participantId);
      if (!member) return undefined;
      this.members.delete(seen.participantId);
      return member.present ? this.event('participant.left', member, seen.reason) : undefined;
    });
  }

  clear(): void {
    this.members.clear();
  }

  private sighted(seen: Sighting): PageMeetingEventInput | undefined {
    const known = this.members.get(seen.participantId);
    if (!known) {
      if (this.members.size >= ROSTER_MAX) {
        this.tally.drop('participant');
        return undefined;
      }
      const member: Member = {
        participantId: seen.participantId,
        name: seen.name ?? '',
        role: seen.role ?? 'attendee',
        ...(seen.customerKey !== undefined ? { customerKey: seen.customerKey } : {}),
        present: seen.hold !== true,
      };
      this.members.set(member.participantId, member);
      return member.present ? this.event('participant.joined', member, seen.reason) : undefined;
    }
    const renamed = seen.name !== undefined && seen.name !== known.name;
    const promoted = seen.role !== undefined && seen.role !== known.role;
    if (seen.name !== undefined) known.name = seen.name;
    if (seen.role !== undefined) known.role = seen.role;
    if (seen.customerKey !== undefined) known.customerKey = seen.customerKey;
    // Admitted from the waiting room, or sent back to it.
    if (seen.hold !== undefined && seen.hold === known.present) {
      known.present = !seen.hold;
      return this.event(known.present ? 'participant.joined' : 'participant.left', known, seen.reason);
    }
    return known.present && (renamed || promoted) ? this.event('participant.updated', known) : undefined;
  }

  private event(
    type: ParticipantEventType,
    member: Member,
    reason?: Sighting['reason'],
  ): PageMeetingEventInput {
    const data: PageParticipantData = {
      participantId: member.participantId,
      name: member.name,
      role: member.role,
      self: member.participantId === this.selfId(),
      ...(member.customerKey !== undefined ? { customerKey: member.customerKey } : {}),
      ...(reason !== undefined ? { reason } : {}),
    };
    return { type, data };
  }

  private each(
    payload: unknown,
    apply: (seen: Sighting) => PageMeetingEventInput | undefined,
  ): PageMeetingEventInput[] {
    const list = Array.isArray(payload) ? payload : [payload];
    const events: PageMeetingEventInput[] = [];
    for (const item of list) {
      const seen = sightingOf(item, this.tally);
      if (!seen) {
        this.tally.drop('malformed');
        continue;
      }
      const event = apply(seen);
      if (event) events.push(event);
    }
    return events;
  }
}

function sightingOf(value: unknown, tally: DropTally): Sighting | undefined {
  if (!isRecord(value)) return undefined;
  const participantId = participantIdOf(value.userId);
  if (participantId === undefined) return undefined;
  const rawName = typeof value.userName === 'string' ? value.userName : value.displayName;
  const hold = typeof value.isHold === 'boolean' ? value.isHold : value.bHold;
  const reason = value.reason ?? value.source;
  return {
    participantId,
    ...(typeof rawName === 'string' ? { name: reportedName(rawName, tally) } : {}),
    ...roleOf(value),
    ...(typeof hold === 'boolean' ? { hold } : {}),
    ...(typeof value.customerKey === 'string' && value.customerKey.length <= CUSTOMER_KEY_MAX
      ? { customerKey: value.customerKey }
      : {}),
    ...(reason === 'failover' || reason === 'on hold' ? { reason } : {}),
  };
}

/** `isHost`, and `isCoHost` (`Participant`) or `bCoHost` (`ParticipantPropertiesPayload`); none: unknown. */
function roleOf(value: Record<string, unknown>): { role?: ParticipantRole } {
  if (value.isHost === true) return { role: 'host' };
  if (value.isCoHost === true || value.bCoHost === true) return { role: 'cohost' };
  const said = [value.isHost, value.isCoHost, value.bCoHost].some((flag) => typeof flag === 'boolean');
  return said ? { role: 'attendee' } : {};
}
