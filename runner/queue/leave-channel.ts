import type { Redis } from 'ioredis';
import { type ChannelSubscription, subscribeChannel } from '../redis/channel-subscription.js';
import { type QueueKeys, queueKeys } from './queue-names.js';

/** A leave flag outlives any bot (7 days of meeting plus waits); `BotStore` shortens it when the bot ends. */
const LEAVE_FLAG_TTL_MS = 9 * 24 * 3600 * 1000;

export interface LeaveChannelOptions {
  /** For commands; `subscribe` uses its own duplicate, as a subscribed connection can do nothing else. */
  redis: Redis;
  prefix: string;
}

export type LeaveSubscription = ChannelSubscription;

/**
 * "Leave now" for a bot, reaching whichever worker process holds it. Two parts, because pub/sub is
 * fire-and-forget: a persisted flag per bot (`<prefix>:leave:<id>`), which a worker checks when it
 * takes a job and after reconnecting to Redis, and a message on `<prefix>:bot-leave` that tells the
 * holder at once. A worker that missed the message (it was reconnecting) still finds the flag.
 *
 * BullMQ 6.7 has no cross-process "cancel this active job" for Redis workers, hence this channel.
 */
export class LeaveChannel {
  private readonly keys: QueueKeys;

  constructor(private readonly options: LeaveChannelOptions) {
    this.keys = queueKeys(options.prefix);
  }

  /** Persists the request, then notifies. Repeating it is harmless. */
  async request(botId: string): Promise<void> {
    await this.options.redis.set(this.keys.leave(botId), new Date().toISOString(), 'PX', LEAVE_FLAG_TTL_MS);
    await this.options.redis.publish(this.keys.leaveChannel, botId);
  }

  async isLeaveRequested(botId: string): Promise<boolean> {
    return (await this.options.redis.exists(this.keys.leave(botId))) === 1;
  }

  /**
   * Calls `onLeave(botId)` for every leave request from now on, for every bot: the worker filters to
   * the bots it holds. Resolves once subscribed, so no request after that is missed by this process.
   */
  async subscribe(onLeave: (botId: string) => void): Promise<LeaveSubscription> {
    return subscribeChannel(this.options.redis, this.keys.leaveChannel, onLeave);
  }
}
