import { randomInt } from 'node:crypto';
import type { JoinParams } from '../protocol.js';
import type { SimConfig } from '../sim-config.js';
import type { SimStats } from '../store/stats.js';
import type { TokenRegistry } from '../store/tokens.js';
import type { UserDirectory } from '../store/users.js';
import { checkJoin, identityOf } from './join-checks.js';
import { Meeting, type MeetingSettings } from './meeting.js';
import type { Participant } from './participant.js';
import type { ParticipantLink } from './participant-link.js';

export interface MeetingDeps {
  tokens: TokenRegistry;
  users: UserDirectory;
  stats: SimStats;
  config: SimConfig;
  baseUrl: () => string;
}

/** A user's avatar URL (the REST side's `avatarUrl`), passed in by the callers that hold the context. */
export type AvatarLookup = (userId: string) => string | undefined;

export interface JoinedSession {
  meeting: Meeting;
  participant: Participant;
}

export class DuplicateMeetingError extends Error {
  readonly code = 'duplicate_meeting';
  constructor(readonly number: string) {
    super(`Meeting ${number} already exists.`);
    this.name = 'DuplicateMeetingError';
  }
}

/** All meetings of one sim, and the join path from a participant socket into them. */
export class MeetingRegistry {
  private readonly meetings = new Map<string, Meeting>();

  constructor(readonly deps: MeetingDeps) {}

  create(settings: Omit<MeetingSettings, 'number'> & { number?: string }): Meeting {
    const number = settings.number ?? this.freshNumber();
    if (this.meetings.has(number)) throw new DuplicateMeetingError(number);
    const meeting = new Meeting({ ...settings, number });
    this.meetings.set(number, meeting);
    return meeting;
  }

  get(number: string): Meeting | undefined {
    return this.meetings.get(number);
  }

  /**
   * A participant socket's `join`: checks it, answers a refusal and closes the link, or adds the
   * participant. Counts both in the stats.
   */
  async join(
    params: JoinParams,
    link: ParticipantLink,
    avatarOf: AvatarLookup,
  ): Promise<JoinedSession | undefined> {
    const { tokens, stats, config } = this.deps;
    const checked = await checkJoin(params, {
      sdk: config,
      tokens,
      findMeeting: (n) => this.meetings.get(n),
    });
    if (!checked.ok) {
      stats.refuse(checked.refusal.errorCode);
      link.send({ type: 'join-result', ok: false, ...checked.refusal });
      link.close();
      return undefined;
    }
    const { meeting, auth } = checked;
    stats.joinsAccepted += 1;
    if (auth.kind === 'obf') tokens.consume(auth.token);
    const userId = auth.kind === 'anonymous' ? undefined : auth.record.userId;
    const participant = meeting.admitJoin({
      userName: params.userName,
      userId,
      identity: identityOf(auth),
      authoriserUserId: auth.kind === 'obf' ? auth.record.userId : undefined,
      tokenId: auth.kind === 'anonymous' ? undefined : auth.record.tokenId,
      customerKey: params.customerKey,
      avatarUrl: userId !== undefined ? avatarOf(userId) : undefined,
      isBot: true,
      isHost: userId !== undefined && userId === meeting.hostUserId,
      link,
    });
    return { meeting, participant };
  }

  /** `/humans`: a person (no socket) joins straight into the meeting, e.g. an OBF authoriser. */
  addHuman(
    meeting: Meeting,
    human: { userName: string; userId?: string },
    avatarOf: AvatarLookup,
  ): Participant {
    const user = human.userId !== undefined ? this.deps.users.get(human.userId) : undefined;
    // Store the account's id when the caller named the user by email, so OBF checks match.
    const userId = user?.id ?? human.userId;
    return meeting.admitJoin(
      {
        userName: human.userName,
        userId,
        identity: userId,
        avatarUrl: userId !== undefined ? avatarOf(userId) : undefined,
        isBot: false,
        isHost: userId !== undefined && userId === meeting.hostUserId,
      },
      'human',
    );
  }

  shutdown(): void {
    for (const meeting of this.meetings.values()) meeting.shutdown();
  }

  /** 11 digits, like most Zoom meeting numbers today. */
  private freshNumber(): string {
    for (;;) {
      const number = String(randomInt(10_000_000_000, 99_999_999_999));
      if (!this.meetings.has(number)) return number;
    }
  }
}
