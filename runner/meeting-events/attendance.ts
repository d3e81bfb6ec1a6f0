import { z } from 'zod';
import { type ParticipantRole, participantRoleSchema } from '../../shared/meeting-events.js';

/** Participants one bot keeps rows for: more than any Zoom meeting holds (the page's roster cap too). */
export const ATTENDANCE_MAX = 10_000;

/** One participant as the bot has seen it, across its rejoins (stored as JSON in the attendance hash). */
export const attendanceRowSchema = z.object({
  participantId: z.int().nonnegative(),
  name: z.string(),
  role: participantRoleSchema,
  ours: z.boolean(),
  /** In the meeting when last seen. */
  present: z.boolean(),
  firstSeenAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  /** Time seen present in finished stretches. */
  presentMs: z.number().nonnegative(),
  /** Start of the stretch the bot is watching now (present, and the bot in the meeting). */
  since: z.iso.datetime().optional(),
});
export type AttendanceRow = z.infer<typeof attendanceRowSchema>;

export type ParticipantEventType = 'participant.joined' | 'participant.left' | 'participant.updated';

export interface ParticipantData {
  participantId: number;
  name: string;
  role: ParticipantRole;
  ours: boolean;
}

export interface ParticipantEvent {
  type: ParticipantEventType;
  data: ParticipantData;
  /** Epoch ms. */
  at: number;
}

/**
 * The attendance table of one bot (docs/contract.md §11): who was in its meeting, for how long, across
 * rejoins. Participant events from the page pass through it: a fresh page reports everyone present
 * as joined again, so after a rejoin (a new page with people already in the table) the first
 * `resyncMs` of that page's roster are compared with the table instead: known people present are
 * not "joined" again (a new name or role is an update), and whoever the new roster lacks when the
 * window closes has left. Pure: the caller supplies the times and stores the rows it hands back.
 */
export class Attendance {
  private readonly rows = new Map<number, AttendanceRow>();
  private readonly dirty = new Set<number>();
  private page: number | undefined;
  /** Ids the new page has reported present since the resync began; undefined: not resyncing. */
  private resyncSeen: Set<number> | undefined;

  constructor(
    rows: Iterable<AttendanceRow> = [],
    private readonly max = ATTENDANCE_MAX,
  ) {
    for (const row of rows) this.rows.set(row.participantId, row);
  }

  get resyncing(): boolean {
    return this.resyncSeen !== undefined;
  }

  /**
   * Rows loaded from Redis may carry a stretch from a worker that died: it is closed at `at` (what the
   * bot cannot vouch for is not counted as seen).
   */
  closeStretches(at: number): void {
    for (const row of this.rows.values()) this.pause(row, at);
  }

  /**
   * One participant event of page `pageSeq`. Answers what to record (possibly changed), or undefined
   * when it repeats what the table already says. A first event of a new page starts a resync when
   * the table has anyone present: the caller ends it with `finishResync` after its window.
   */
  apply(pageSeq: number, event: ParticipantEvent): { event?: ParticipantEvent; resyncStarted: boolean } {
    let resyncStarted = false;
    if (pageSeq !== this.page) {
      this.page = pageSeq;
      this.resyncSeen = undefined;
      if ([...this.rows.values()].some((row) => row.present)) {
        this.resyncSeen = new Set();
        resyncStarted = true;
      }
    }
    return { event: this.record(event), resyncStarted };
  }

  /** The bot is out of the meeting (its page closed): every stretch it watched ends now. */
  pageClosed(pageSeq: number, at: number): void {
    if (pageSeq !== this.page) return;
    this.page = undefined;
    this.resyncSeen = undefined;
    this.closeStretches(at);
  }

  /** Ends a rejoin's resync: whoever was present before and the new page never reported has left. */
  finishResync(at: number): ParticipantEvent[] {
    const seen = this.resyncSeen;
    if (!seen) return [];
    this.resyncSeen = undefined;
    const left: ParticipantEvent[] = [];
    for (const row of this.rows.values()) {
      if (!row.present || seen.has(row.participantId)) continue;
      this.pause(row, at);
      row.present = false;
      this.touch(row);
      left.push({ type: 'participant.left', data: dataOf(row), at });
    }
    return left;
  }

  /** Rows changed since the last call (to store), and forgets them. */
  takeDirty(): AttendanceRow[] {
    const out: AttendanceRow[] = [];
    for (const id of this.dirty) {
      const row = this.rows.get(id);
      if (row) out.push(row);
    }
    this.dirty.clear();
    return out;
  }

  private record(event: ParticipantEvent): ParticipantEvent | undefined {
    const { participantId } = event.data;
    const row = this.rows.get(participantId);
    const iso = new Date(event.at).toISOString();
    if (event.type === 'participant.left') {
      if (!row) return event;
      if (!row.present) return undefined;
      this.pause(row, event.at);
      Object.assign(row, event.data, { present: false, lastSeenAt: iso });
      this.touch(row);
      return event;
    }
    if (!row) {
      if (this.rows.size >= this.max) return event;
      this.rows.set(participantId, {
        ...event.data,
        present: true,
        firstSeenAt: iso,
        lastSeenAt: iso,
        presentMs: 0,
        since: iso,
      });
      this.resyncSeen?.add(participantId);
      this.touch(this.rows.get(participantId) as AttendanceRow);
      return { ...event, type: 'participant.joined' };
    }
    const changed = row.name !== event.data.name || row.role !== event.data.role;
    const wasPresent = row.present;
    Object.assign(row, event.data, { present: true, lastSeenAt: iso });
    row.since ??= iso;
    this.resyncSeen?.add(participantId);
    this.touch(row);
    if (!wasPresent) return { ...event, type: 'participant.joined' };
    // Present already: a rejoin's roster repeats them; only a new name or role is news.
    return changed ? { ...event, type: 'participant.updated' } : undefined;
  }

  private pause(row: AttendanceRow, at: number): void {
    if (row.since === undefined) return;
    row.presentMs += Math.max(0, at - Date.parse(row.since));
    row.lastSeenAt = new Date(Math.max(at, Date.parse(row.lastSeenAt))).toISOString();
    row.since = undefined;
    this.touch(row);
  }

  private touch(row: AttendanceRow): void {
    this.dirty.add(row.participantId);
  }
}

function dataOf(row: AttendanceRow): ParticipantData {
  return { participantId: row.participantId, name: row.name, role: row.role, ours: row.ours };
}

/**
 * docs/contract.md §11 `GET /v1/bots/:id/participants` item: a row as the API shows it. `ours`: the
 * bot itself or another bot of this runner; `lastSeenAt`: now, for someone present while the bot is in
 * the meeting; `presentSec`: seconds the bot saw them present (not counting the bot's own gaps).
 */
export const participantItemSchema = attendanceRowSchema
  .pick({
    participantId: true,
    name: true,
    role: true,
    ours: true,
    present: true,
    firstSeenAt: true,
    lastSeenAt: true,
  })
  .extend({ presentSec: z.number().nonnegative() });
export type ParticipantItem = z.infer<typeof participantItemSchema>;

/**
 * A row as the API shows it at `now`: a stretch being watched counts up to `now` (`lastSeenAt` is
 * then `now`). `now` is the bot's end for an ended bot whose last worker could not close its
 * stretches.
 */
export function participantItem(row: AttendanceRow, now: number): ParticipantItem {
  const watching = row.since !== undefined ? Math.max(0, now - Date.parse(row.since)) : 0;
  const lastSeen = row.since !== undefined ? Math.max(now, Date.parse(row.lastSeenAt)) : undefined;
  return {
    participantId: row.participantId,
    name: row.name,
    role: row.role,
    ours: row.ours,
    present: row.present,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: lastSeen !== undefined ? new Date(lastSeen).toISOString() : row.lastSeenAt,
    presentSec: Math.round(row.presentMs + watching) / 1000,
  };
}
