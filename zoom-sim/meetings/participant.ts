import type { ParticipantRole } from '../../shared/meeting-events.js';
import type { SdkParticipant } from '../protocol.js';
import type { ParticipantLink } from './participant-link.js';
import {
  IllegalParticipantTransitionError,
  PARTICIPANT_TRANSITIONS,
  type ParticipantState,
} from './participant-state.js';

export interface ParticipantInit {
  id: number;
  userName: string;
  /** The Zoom user behind the join: the ZAK's or OBF's user, or a human's `userId`. */
  userId?: string;
  /**
   * Who this is for duplicate-session and removal checks: a ZAK or human joins as its user id, an
   * OBF bot as `obf:<authoriser>`; anonymous joins have none.
   */
  identity?: string;
  /** OBF bots: the user whose presence keeps them in the meeting. */
  authoriserUserId?: string;
  tokenId?: string;
  customerKey?: string;
  avatarUrl?: string;
  isBot: boolean;
  isHost: boolean;
  link?: ParticipantLink;
}

/** The control API's view of a participant (`GET /_sim/meetings/:number`). */
export interface ParticipantView {
  id: number;
  userName: string;
  avatarUrl: string | null;
  userId: string | null;
  tokenId: string | null;
  customerKey: string | null;
  isBot: boolean;
  isHost: boolean;
  role: ParticipantRole;
  state: ParticipantState;
}

/** One session in a meeting. Its state changes only through `transition`. */
export class Participant {
  readonly id: number;
  readonly userId: string | undefined;
  readonly identity: string | undefined;
  readonly authoriserUserId: string | undefined;
  readonly tokenId: string | undefined;
  readonly customerKey: string | undefined;
  readonly avatarUrl: string | undefined;
  readonly isBot: boolean;
  readonly link: ParticipantLink | undefined;
  /** `join-result` goes out once: when the participant first gets in or on hold. */
  joinAnswered = false;
  /** Pending end of a `/drop {forMs}`. */
  reconnectTimer: NodeJS.Timeout | undefined;
  private current: ParticipantState;
  /** Renamed and promoted through the control API (docs/contract.md §11). */
  private name: string;
  private currentRole: ParticipantRole;

  constructor(init: ParticipantInit, initial: ParticipantState) {
    this.id = init.id;
    this.name = init.userName;
    this.currentRole = init.isHost ? 'host' : 'attendee';
    this.userId = init.userId;
    this.identity = init.identity;
    this.authoriserUserId = init.authoriserUserId;
    this.tokenId = init.tokenId;
    this.customerKey = init.customerKey;
    this.avatarUrl = init.avatarUrl;
    this.isBot = init.isBot;
    this.link = init.link;
    this.current = initial;
  }

  get state(): ParticipantState {
    return this.current;
  }

  get userName(): string {
    return this.name;
  }

  get role(): ParticipantRole {
    return this.currentRole;
  }

  get isHost(): boolean {
    return this.currentRole === 'host';
  }

  rename(name: string): void {
    this.name = name;
  }

  setRole(role: ParticipantRole): void {
    this.currentRole = role;
  }

  /** Moves along `PARTICIPANT_TRANSITIONS`; anything else is a bug or a bad control request. */
  transition(to: ParticipantState): void {
    if (!PARTICIPANT_TRANSITIONS[this.current].includes(to)) {
      throw new IllegalParticipantTransitionError(this.id, this.current, to);
    }
    this.current = to;
    if (to === 'left') this.clearTimer();
  }

  clearTimer(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  view(): ParticipantView {
    return {
      id: this.id,
      userName: this.userName,
      avatarUrl: this.avatarUrl ?? null,
      userId: this.userId ?? null,
      tokenId: this.tokenId ?? null,
      customerKey: this.customerKey ?? null,
      isBot: this.isBot,
      isHost: this.isHost,
      role: this.currentRole,
      state: this.current,
    };
  }

  /** As the SDK's `Participant` shows it to other participants. */
  sdkView(): SdkParticipant {
    const isHold = this.current === 'in_waiting_room';
    return {
      userId: this.id,
      userName: this.userName,
      displayName: this.userName,
      audio: '',
      muted: true,
      isHost: this.isHost,
      isCoHost: this.currentRole === 'cohost',
      isGuest: this.identity === undefined,
      avatar: this.avatarUrl ?? '',
      isPhoneUser: false,
      bRaiseHand: false,
      isHold,
      bHold: isHold,
      video: false,
      bVideoOn: false,
      sharerOn: false,
      feedback: 0,
      sharePause: false,
      ...(this.customerKey !== undefined ? { customerKey: this.customerKey } : {}),
    };
  }
}
