import type { ParticipantRole, RecordingState } from '../../shared/meeting-events.js';
import type { ConnectionChangeMessage, ParticipantsEventType } from '../protocol.js';
import { MeetingActivity } from './meeting-activity.js';
import { Participant, type ParticipantInit, type ParticipantView } from './participant.js';
import {
  type HistoryEntry,
  type HistoryEvent,
  isVisible,
  ParticipantNotPresentError,
  type ParticipantState,
} from './participant-state.js';

export interface MeetingSettings {
  number: string;
  passcode?: string;
  requireAuth: boolean;
  waitingRoom: boolean;
  started: boolean;
  capacity?: number;
  locked: boolean;
  hostUserId?: string;
}

export interface MeetingView {
  number: string;
  passcode: string | null;
  requireAuth: boolean;
  waitingRoom: boolean;
  capacity: number | null;
  hostUserId: string | null;
  started: boolean;
  ended: boolean;
  locked: boolean;
  /** Cloud recording (docs/contract.md §11). */
  recording: RecordingState;
  /** Participant ids of the active speakers, as last set. */
  activeSpeakers: number[];
  participants: ParticipantView[];
  history: HistoryEntry[];
}

type Signal = Omit<ConnectionChangeMessage, 'type'>;

export const SIGNALS = {
  connected: { state: 'Connected' },
  notStarted: { state: 'Fail', errorCode: 3008, reason: 'meeting has not started' },
  onHold: { state: 'Reconnecting', reason: 'on hold' },
  failover: { state: 'Reconnecting', reason: 'failover' },
  connectionError: { state: 'Fail', errorCode: -3000, reason: 'connection error' },
  endedByHost: { state: 'Closed', reason: 'ended by host' },
  kicked: { state: 'Closed', reason: 'kicked by host' },
  duplicated: { state: 'Closed', reason: 'duplicated session' },
  authoriserLeft: { state: 'Closed', reason: 'bot user kicked due to master leaving' },
  userRequest: { state: 'Closed', reason: 'user request' },
  /** After the participant's own `leave`: no reason, as after the SDK's `leaveMeeting()`. */
  ownLeave: { state: 'Closed' },
} as const satisfies Record<string, Signal>;

/** Zoom's web client numbers participants from here; the exact base only makes ids look familiar. */
const FIRST_PARTICIPANT_ID = 16_778_240;

/** One meeting: its settings, participants and history. Every change a participant sees goes out here. */
export class Meeting {
  readonly number: string;
  readonly passcode: string | undefined;
  readonly requireAuth: boolean;
  readonly waitingRoom: boolean;
  readonly capacity: number | undefined;
  readonly hostUserId: string | undefined;
  started: boolean;
  ended = false;
  locked: boolean;
  /** Chat, captions, active speaker and recording. */
  readonly activity = new MeetingActivity(this);
  private readonly participants = new Map<number, Participant>();
  private readonly history: HistoryEntry[] = [];
  /** Identities the host removed: they cannot rejoin (3009). */
  private readonly removedIdentities = new Set<string>();
  private nextId = FIRST_PARTICIPANT_ID;

  constructor(settings: MeetingSettings) {
    this.number = settings.number;
    this.passcode = settings.passcode;
    this.requireAuth = settings.requireAuth;
    this.waitingRoom = settings.waitingRoom;
    this.capacity = settings.capacity;
    this.hostUserId = settings.hostUserId;
    this.started = settings.started;
    this.locked = settings.locked;
  }

  view(): MeetingView {
    return {
      number: this.number,
      passcode: this.passcode ?? null,
      requireAuth: this.requireAuth,
      waitingRoom: this.waitingRoom,
      capacity: this.capacity ?? null,
      hostUserId: this.hostUserId ?? null,
      started: this.started,
      ended: this.ended,
      locked: this.locked,
      recording: this.activity.recording,
      activeSpeakers: this.activity.activeSpeakers,
      participants: [...this.participants.values()].map((p) => p.view()),
      history: this.history.map((entry) => ({ ...entry })),
    };
  }

  participant(id: number): Participant | undefined {
    return this.participants.get(id);
  }

  /** Everyone who has not left: what capacity counts. */
  present(): Participant[] {
    return [...this.participants.values()].filter((p) => p.state !== 'left');
  }

  /** Is a session of this user in the meeting proper (not waiting)? What OBF needs (4017). */
  hasUserInMeeting(userId: string): boolean {
    return this.present().some((p) => p.identity === userId && isVisible(p.state));
  }

  wasRemoved(identity: string | undefined): boolean {
    return identity !== undefined && this.removedIdentities.has(identity);
  }

  /**
   * Adds an accepted join. A session of the same user already here is closed first (Zoom: one user is
   * in a meeting once). Then the host decides: not started → waiting; waiting room → on hold.
   */
  admitJoin(init: Omit<ParticipantInit, 'id'>, placement: 'join' | 'human' = 'join'): Participant {
    const previous = init.identity ? this.present().find((p) => p.identity === init.identity) : undefined;
    if (previous) this.depart(previous, 'duplicate_session', SIGNALS.duplicated);
    const participant = new Participant({ ...init, id: this.nextId++ }, this.initialState(init, placement));
    this.participants.set(participant.id, participant);
    switch (participant.state) {
      case 'waiting_for_host':
        this.record(participant, 'waiting_for_host');
        participant.link?.send({ type: 'connection-change', ...SIGNALS.notStarted });
        break;
      case 'in_waiting_room':
        this.hold(participant);
        break;
      default:
        this.enter(participant, 'joined');
        // The host's arrival starts the meeting, as in Zoom.
        if (participant.isHost && !this.started) this.start();
    }
    return participant;
  }

  /** `/start`: the host starts; everyone waiting for the host gets in (or on hold). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const p of this.present()) if (p.state === 'waiting_for_host') this.place(p);
  }

  /** `/end`: everyone is closed with `'ended by host'`. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const p of this.present()) this.depart(p, 'ended', SIGNALS.endedByHost);
  }

  lock(locked: boolean): void {
    this.locked = locked;
  }

  /** `/admit`: from the waiting room into the meeting. */
  admit(p: Participant): void {
    p.transition('in_meeting');
    this.enter(p, 'admitted');
  }

  /** `/remove`: the host kicks; that user cannot rejoin this meeting (3009). */
  remove(p: Participant): void {
    if (p.identity) this.removedIdentities.add(p.identity);
    this.depart(p, 'removed', SIGNALS.kicked);
  }

  /** `/leave`: the participant leaves by itself (for a bot, as if the user closed the tab). */
  leave(p: Participant): void {
    this.depart(p, 'left', SIGNALS.userRequest);
  }

  /** The participant's own `leave` over its socket. */
  leftByClient(p: Participant): void {
    this.depart(p, 'left', SIGNALS.ownLeave);
  }

  /** Its socket closed without a `leave`: gone at once, as Zoom sees a lost connection. */
  socketClosed(p: Participant): void {
    if (p.state !== 'left') this.depart(p, 'dropped', undefined, 'connection lost');
  }

  /** `/drop` with no body: the SDK gave up on the connection. */
  dropNow(p: Participant): void {
    this.depart(p, 'dropped', SIGNALS.connectionError, 'connection error');
  }

  /** `/drop {forMs, recover}`: failover, then back (`Connected`) or gone (`Fail -3000`) after `forMs`. */
  dropFor(p: Participant, forMs: number, recover: boolean): void {
    p.transition('reconnecting');
    this.record(p, 'reconnecting', 'failover');
    p.link?.send({ type: 'connection-change', ...SIGNALS.failover });
    p.reconnectTimer = setTimeout(() => {
      p.reconnectTimer = undefined;
      if (p.state !== 'reconnecting') return;
      if (!recover) {
        this.dropNow(p);
        return;
      }
      p.transition('in_meeting');
      this.record(p, 'reconnected');
      p.link?.send({ type: 'connection-change', ...SIGNALS.connected });
    }, forMs);
  }

  /** `/rename`: everyone in the meeting, the participant included, gets `user-updated`. */
  rename(p: Participant, name: string): void {
    if (!isVisible(p.state)) throw new ParticipantNotPresentError(p.id, p.state);
    p.rename(name);
    this.announceUpdate([p]);
  }

  /** `/role`: a new host takes over from the old one, who becomes an attendee, as Zoom's "make host". */
  setRole(p: Participant, role: ParticipantRole): void {
    if (!isVisible(p.state)) throw new ParticipantNotPresentError(p.id, p.state);
    const changed = p.role === role ? [] : [p];
    if (role === 'host') {
      for (const other of this.present()) {
        if (other !== p && other.role === 'host') {
          other.setRole('attendee');
          changed.push(other);
        }
      }
    }
    p.setRole(role);
    if (changed.length > 0) this.announceUpdate(changed);
  }

  /** Everyone others see in the meeting (`in_meeting` or `reconnecting`). */
  visible(): Participant[] {
    return this.present().filter((p) => isVisible(p.state));
  }

  /** Drops timers; sockets are closed by the socket server. */
  shutdown(): void {
    for (const p of this.participants.values()) p.clearTimer();
  }

  /** Where a new participant starts. Humans come in directly: the control API adds them as present. */
  private initialState(init: Omit<ParticipantInit, 'id'>, placement: 'join' | 'human'): ParticipantState {
    if (placement === 'human') return 'in_meeting';
    if (!this.started) return 'waiting_for_host';
    return this.waitingRoom && !init.isHost ? 'in_waiting_room' : 'in_meeting';
  }

  /** The host started: someone who waited for the host gets in, or on hold. */
  private place(p: Participant): void {
    if (this.waitingRoom && !p.isHost) {
      p.transition('in_waiting_room');
      this.hold(p);
      return;
    }
    p.transition('in_meeting');
    this.enter(p, 'joined');
  }

  /** `p` is now `in_waiting_room`. */
  private hold(p: Participant): void {
    this.record(p, 'on_hold');
    this.answerJoin(p);
    // The runner reads "on hold" together with the current user's isHold: send isHold first.
    p.link?.send({ type: 'user-updated', participants: [p.sdkView()] });
    p.link?.send({ type: 'connection-change', ...SIGNALS.onHold });
  }

  /** `p` is now `in_meeting`: tell it, and tell the others. */
  private enter(p: Participant, event: 'joined' | 'admitted'): void {
    this.record(p, event);
    const wasOnHold = p.joinAnswered;
    this.answerJoin(p);
    if (wasOnHold) p.link?.send({ type: 'user-updated', participants: [p.sdkView()] });
    p.link?.send({ type: 'connection-change', ...SIGNALS.connected });
    p.link?.send({ type: 'user-added', participants: this.visible().map((v) => v.sdkView()) });
    this.activity.greet(p);
    this.broadcast('user-added', p);
  }

  private answerJoin(p: Participant): void {
    if (p.joinAnswered) return;
    p.joinAnswered = true;
    p.link?.send({ type: 'join-result', ok: true, participantId: p.id, self: p.sdkView() });
  }

  /** `p` leaves for good; `signal` tells its client why, then its link closes. */
  private depart(p: Participant, event: HistoryEvent, signal?: Signal, reason?: string): void {
    const wasVisible = isVisible(p.state);
    p.transition('left');
    this.record(p, event, reason ?? signal?.reason);
    if (signal) p.link?.send({ type: 'connection-change', ...signal });
    p.link?.close();
    if (this.ended) return;
    if (wasVisible) this.broadcast('user-removed', p);
    // OBF bots stay only while their authoriser does (docs/zoom.md §6).
    if (p.identity !== undefined && !this.hasUserInMeeting(p.identity)) {
      for (const bot of this.present()) {
        if (bot.authoriserUserId === p.identity) {
          this.depart(bot, 'removed', SIGNALS.authoriserLeft, 'authoriser left');
        }
      }
    }
  }

  private announceUpdate(changed: Participant[]): void {
    const participants = changed.map((c) => c.sdkView());
    for (const p of this.visible()) p.link?.send({ type: 'user-updated', participants });
  }

  private broadcast(type: ParticipantsEventType, about: Participant): void {
    const participants = [about.sdkView()];
    for (const other of this.visible()) if (other !== about) other.link?.send({ type, participants });
  }

  private record(p: Participant, event: HistoryEvent, reason?: string): void {
    this.history.push({
      at: new Date().toISOString(),
      participantId: p.id,
      event,
      ...(reason !== undefined ? { reason } : {}),
    });
  }
}
