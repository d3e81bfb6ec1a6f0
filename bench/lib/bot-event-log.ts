import { Redis } from 'ioredis';
import { queueKeys } from '../../runner/queue/queue-names.js';
import type { BotState } from '../../shared/bot-states.js';

/** One state change of one bot, as the bot store published it. */
export interface LoggedBotEvent {
  botId: string;
  state: BotState;
  /** The store's timestamp (ms since the epoch): when the worker recorded the change. */
  atMs: number;
  /** When this process received it (ms since the epoch): `atMs` plus the pub/sub hop. */
  receivedMs: number;
  reason?: string;
}

interface PublishedChange {
  id: string;
  state: BotState;
  at: string;
  view?: { events?: Array<{ state: string; reason?: string }> };
}

interface Waiter {
  botId: string;
  match: (event: LoggedBotEvent) => boolean;
  resolve: (event: LoggedBotEvent) => void;
}

/** Waiting for a state change took longer than the benchmark allows. */
export class BotEventTimeoutError extends Error {
  readonly code = 'bot_event_timeout';
  constructor(
    readonly botId: string,
    readonly waitedMs: number,
    readonly lastState: BotState | undefined,
  ) {
    super(`bot ${botId}: no matching state change within ${waitedMs} ms (last state ${lastState ?? 'none'})`);
    this.name = 'BotEventTimeoutError';
  }
}

/**
 * Every bot state change under one QUEUE_PREFIX, from the store's pub/sub channel (`<prefix>:bot-events`):
 * benchmarks timestamp transitions with the store's own `at`, with no polling delay. Subscribe before
 * enqueueing: pub/sub keeps nothing for late listeners.
 */
export class BotEventLog {
  private readonly byBot = new Map<string, LoggedBotEvent[]>();
  private readonly waiters = new Set<Waiter>();

  private constructor(private readonly subscriber: Redis) {}

  static async open(redisUrl: string, prefix: string): Promise<BotEventLog> {
    const subscriber = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    const log = new BotEventLog(subscriber);
    subscriber.on('message', (_channel: string, message: string) => log.onMessage(message));
    await subscriber.subscribe(queueKeys(prefix).eventsChannel);
    return log;
  }

  /** This bot's changes so far, oldest first. */
  events(botId: string): readonly LoggedBotEvent[] {
    return this.byBot.get(botId) ?? [];
  }

  /**
   * The first change of `botId` (already seen or still to come) that `match` accepts. Pass a predicate
   * on `atMs` to skip what happened before a moment of interest.
   */
  waitFor(
    botId: string,
    match: (event: LoggedBotEvent) => boolean,
    timeoutMs: number,
  ): Promise<LoggedBotEvent> {
    const seen = this.events(botId).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        botId,
        match,
        resolve: (event) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(event);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new BotEventTimeoutError(botId, timeoutMs, this.events(botId).at(-1)?.state));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** The first time `botId` reached `state` at or after `sinceMs`. */
  reached(botId: string, state: BotState, sinceMs: number, timeoutMs: number): Promise<LoggedBotEvent> {
    return this.waitFor(botId, (e) => e.state === state && e.atMs >= sinceMs, timeoutMs);
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters) this.waiters.delete(waiter);
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
  }

  private onMessage(message: string): void {
    let change: PublishedChange;
    try {
      change = JSON.parse(message) as PublishedChange;
    } catch {
      return;
    }
    const reason = change.view?.events?.at(-1)?.reason;
    const event: LoggedBotEvent = {
      botId: change.id,
      state: change.state,
      atMs: Date.parse(change.at),
      receivedMs: Date.now(),
      ...(reason !== undefined ? { reason } : {}),
    };
    const list = this.byBot.get(event.botId) ?? [];
    list.push(event);
    this.byBot.set(event.botId, list);
    for (const waiter of [...this.waiters]) {
      if (waiter.botId === event.botId && waiter.match(event)) waiter.resolve(event);
    }
  }
}
