import type { Redis } from 'ioredis';
import { z } from 'zod';
import { REQUEST_LIMITS } from '../../shared/bot-request.js';
import { CHAT_REQUEST_ID_MAX, CHAT_TEXT_MAX } from '../../shared/meeting-event-bounds.js';
import { participantIdSchema } from '../../shared/meeting-events.js';
import { type ChannelSubscription, subscribeChannel } from '../redis/channel-subscription.js';
import type { MeetingEventKeys } from './meeting-event-keys.js';

/** One `POST /v1/bots/:id/chat` on its way to the worker holding the bot. */
export const chatRequestSchema = z.object({
  botId: z.string().min(1).max(REQUEST_LIMITS.botIdChars),
  requestId: z.string().min(1).max(CHAT_REQUEST_ID_MAX),
  text: z.string().min(1).max(CHAT_TEXT_MAX),
  to: participantIdSchema.optional(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export type ChatSubscription = ChannelSubscription;

/**
 * "Say this in the meeting" for a bot, from any api process to whichever worker holds it, over
 * `<prefix>:bot-chat` (like the leave channel, runner/queue/leave-channel.ts, without its persisted
 * flag: a message is for the meeting as it is now, so one that finds no holder is not kept for later).
 */
export class ChatChannel {
  constructor(
    private readonly redis: Redis,
    private readonly keys: MeetingEventKeys,
  ) {}

  async publish(request: ChatRequest): Promise<void> {
    await this.redis.publish(this.keys.chatChannel, JSON.stringify(request));
  }

  /** Calls `onChat` for every chat request from now on, for every bot: the worker filters to its own. */
  async subscribe(onChat: (request: ChatRequest) => void): Promise<ChatSubscription> {
    return subscribeChannel(this.redis, this.keys.chatChannel, (raw) => {
      let parsed: ReturnType<typeof chatRequestSchema.safeParse>;
      try {
        parsed = chatRequestSchema.safeParse(JSON.parse(raw));
      } catch {
        return;
      }
      if (parsed.success) onChat(parsed.data);
    });
  }
}
