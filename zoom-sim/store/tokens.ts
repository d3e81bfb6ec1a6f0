import { newOpaqueToken, newZoomId } from './ids.js';

export type MeetingTokenType = 'zak' | 'obf';

/** What the sim remembers of a ZAK or OBF token it minted, so it can check it at join time. */
export interface MeetingTokenRecord {
  /** Unique per mint; shown on the participant so tests can tell a rejoin's fresh token. */
  tokenId: string;
  type: MeetingTokenType;
  userId: string;
  /** OBF only: the meeting it was minted for. */
  meetingNumber?: string;
  expiresAt: number;
  /** OBF only: tokens are single use; set when a join succeeds with it. */
  usedAt?: number;
}

export type TokenCheck =
  | { ok: true; record: MeetingTokenRecord }
  | { ok: false; problem: 'unknown' | 'expired' | 'used' | 'wrong_type' };

export interface AccessTokenRecord {
  expiresAt: number;
}

/**
 * Every token the sim hands out: OAuth access tokens, ZAKs and OBF tokens. Tokens are opaque random
 * strings; the sim looks them up rather than decoding them, so nothing leaks from a token's text.
 */
export class TokenRegistry {
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly meetingTokens = new Map<string, MeetingTokenRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  issueAccessToken(ttlSec: number): { token: string; expiresInSec: number } {
    const token = newOpaqueToken();
    this.accessTokens.set(token, { expiresAt: this.now() + ttlSec * 1000 });
    return { token, expiresInSec: Math.round(ttlSec) };
  }

  /** True while the bearer token exists and has not expired. */
  checkAccessToken(token: string): boolean {
    const record = this.accessTokens.get(token);
    return record !== undefined && record.expiresAt > this.now();
  }

  mint(
    type: MeetingTokenType,
    userId: string,
    ttlSec: number,
    meetingNumber?: string,
  ): { token: string; record: MeetingTokenRecord } {
    const token = newOpaqueToken();
    const record: MeetingTokenRecord = {
      tokenId: newZoomId(),
      type,
      userId,
      expiresAt: this.now() + ttlSec * 1000,
      ...(meetingNumber !== undefined ? { meetingNumber } : {}),
    };
    this.meetingTokens.set(token, record);
    return { token, record };
  }

  /** Checks a token presented at join time. Does not consume it: see `consume`. */
  check(token: string, type: MeetingTokenType): TokenCheck {
    const record = this.meetingTokens.get(token);
    if (!record) return { ok: false, problem: 'unknown' };
    if (record.type !== type) return { ok: false, problem: 'wrong_type' };
    if (record.expiresAt <= this.now()) return { ok: false, problem: 'expired' };
    if (record.usedAt !== undefined) return { ok: false, problem: 'used' };
    return { ok: true, record };
  }

  /** Marks an OBF token used: called only once a join has been accepted with it. */
  consume(token: string): void {
    const record = this.meetingTokens.get(token);
    if (record && record.type === 'obf') record.usedAt = this.now();
  }

  /** `POST /_sim/tokens/expire`: every ZAK and OBF minted so far expires now. */
  expireAllMeetingTokens(): number {
    const now = this.now();
    for (const record of this.meetingTokens.values()) record.expiresAt = Math.min(record.expiresAt, now);
    return this.meetingTokens.size;
  }
}
