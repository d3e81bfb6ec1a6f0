import type { Redis } from 'ioredis';
import type { MeetingEventKeys } from './meeting-event-keys.js';

export interface MeetingEventListener {
  /** The bot's log has events up to `seq`. */
  appended(seq: number): void;
  /** The bot's state changed (from the bot store's `<prefix>:bot-events`). */
  state(state: string): void;
}

/**
 * Tells this process's followers of meeting events (SSE streams, `followMeetingEvents`) that a bot's
 * log grew or its state changed: one subscriber connection per process, whatever the number of
 * followers, opened at the first one. Wake-ups only: a follower reads the log itself, so a lost
 * message delays it (until its next periodic look) but never loses an event.
 */
export class MeetingEventWatch {
  private readonly listeners = new Map<string, Set<MeetingEventListener>>();
  private subscriber: Redis | undefined;
  private subscribing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: MeetingEventKeys,
    /** `<prefix>:bot-events`, where every state change is published. */
    private readonly stateChannel: string,
  ) {}

  /** Listens for `botId` from the moment it resolves; call the answer to stop. */
  async watch(botId: string, listener: MeetingEventListener): Promise<() => void> {
    let set = this.listeners.get(botId);
    if (!set) {
      set = new Set();
      this.listeners.set(botId, set);
    }
    set.add(listener);
    const stop = () => {
      const current = this.listeners.get(botId);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(botId);
    };
    try {
      await this.subscribe();
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  /** Listeners now (for tests and the SSE gauge's sanity). */
  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private subscribe(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the meeting-event watch is closed'));
    if (!this.subscribing) {
      const subscriber = this.redis.duplicate();
      // The duplicate reconnects (and resubscribes) by itself; the command connection reports errors.
      subscriber.on('error', () => {});
      subscriber.on('message', (channel: string, message: string) => this.dispatch(channel, message));
      this.subscriber = subscriber;
      const attempt = subscriber
        .subscribe(this.keys.appendedChannel, this.stateChannel)
        .then(() => undefined);
      this.subscribing = attempt;
      attempt.catch(() => {
        if (this.subscribing === attempt) this.subscribing = undefined;
        subscriber.disconnect();
      });
    }
    return this.subscribing;
  }

  private dispatch(channel: string, message: string): void {
    if (this.listeners.size === 0) return;
    if (channel === this.keys.appendedChannel) {
      const space = message.lastIndexOf(' ');
      const set = this.listeners.get(message.slice(0, space));
      if (!set) return;
      const seq = Number(message.slice(space + 1));
      for (const listener of [...set]) listener.appended(seq);
      return;
    }
    // A state change: the whole view, fleet-wide. Parsed only while someone here follows a bot.
    let change: { id?: unknown; state?: unknown };
    try {
      change = JSON.parse(message) as { id?: unknown; state?: unknown };
    } catch {
      return;
    }
    if (typeof change.id !== 'string' || typeof change.state !== 'string') return;
    const set = this.listeners.get(change.id);
    if (!set) return;
    for (const listener of [...set]) listener.state(change.state);
  }
}
