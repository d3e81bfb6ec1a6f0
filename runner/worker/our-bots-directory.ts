import type { Redis } from 'ioredis';
import type { PageParticipant } from '../../shared/bridge.js';
import type { OurBots } from '../supervisor/ports.js';

/** How often a meeting's list of our bots is re-read: "alone" timers run in seconds, not ms. */
const REFRESH_MS = 2_000;
/** A meeting's list outlives a crashed worker's bots by at most this long. */
const MEETING_KEY_TTL_SEC = 48 * 3600;

/**
 * Which participants are this runner's own bots, fleet-wide: each meeting has a Redis hash of bot id
 * → display name, written by whichever worker runs the bot. `isOurs` must answer synchronously (it
 * runs on every participant event), so it reads a per-meeting cache refreshed in the background.
 */
export class OurBotsDirectory implements OurBots {
  private readonly cache = new Map<string, { ids: Set<string>; names: Set<string>; readAt: number }>();
  private readonly refreshing = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  private key(meetingNumber: string): string {
    return `${this.prefix}:meeting:${meetingNumber}:our-bots`;
  }

  async add(meetingNumber: string, botId: string, displayName: string): Promise<void> {
    const key = this.key(meetingNumber);
    await this.redis.multi().hset(key, botId, displayName).expire(key, MEETING_KEY_TTL_SEC).exec();
    await this.refresh(meetingNumber);
  }

  async remove(meetingNumber: string, botId: string): Promise<void> {
    await this.redis.hdel(this.key(meetingNumber), botId);
    await this.refresh(meetingNumber);
  }

  async refresh(meetingNumber: string): Promise<void> {
    const entries = await this.redis.hgetall(this.key(meetingNumber));
    this.cache.set(meetingNumber, {
      ids: new Set(Object.keys(entries)),
      names: new Set(Object.values(entries)),
      readAt: this.now(),
    });
  }

  isOurs(meetingNumber: string, participant: PageParticipant): boolean {
    const known = this.cache.get(meetingNumber);
    if (!known || this.now() - known.readAt > REFRESH_MS) this.refreshInBackground(meetingNumber);
    if (!known) return false;
    // customerKey is the bot id where the SDK shows it; otherwise the display name we joined with.
    if (participant.customerKey !== undefined) return known.ids.has(participant.customerKey);
    return known.names.has(participant.userName);
  }

  private refreshInBackground(meetingNumber: string): void {
    if (this.refreshing.has(meetingNumber)) return;
    this.refreshing.add(meetingNumber);
    this.refresh(meetingNumber)
      .catch(() => {
        // Redis briefly away: keep the last answer; the next event tries again.
      })
      .finally(() => this.refreshing.delete(meetingNumber));
  }
}
