import type { Redis } from 'ioredis';

export interface ChannelSubscription {
  /** Unsubscribes and closes the subscriber connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Calls `onMessage` for every message on one pub/sub channel from now on, over a connection of its
 * own (a subscribed connection takes no other command). Resolves once subscribed, so nothing
 * published after that is missed by this process.
 */
export async function subscribeChannel(
  redis: Redis,
  channel: string,
  onMessage: (message: string) => void,
): Promise<ChannelSubscription> {
  // The duplicate reconnects by itself; its errors are the command connection's to report.
  const subscriber = redis.duplicate();
  subscriber.on('error', () => {});
  subscriber.on('message', (from: string, message: string) => {
    if (from === channel) onMessage(message);
  });
  await subscriber.subscribe(channel);
  let closing: Promise<void> | undefined;
  return {
    close: () => {
      closing ??= subscriber.quit().then(
        () => undefined,
        () => subscriber.disconnect(),
      );
      return closing;
    },
  };
}
