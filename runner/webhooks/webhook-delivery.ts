import { z } from 'zod';
import { botViewSchema } from '../../shared/bot-view.js';
import { type MeetingEvent, meetingEventSchema } from '../../shared/meeting-events.js';
import type { OutboundTarget, OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import { postSigned, ResponseTooLargeError } from '../http/signed-request.js';

/** docs/contract.md §7: names a webhook event so a receiver can drop a repeated delivery. */
export const EVENT_ID_HEADER = 'x-zbr-event-id';

/** One queued delivery, as the pump script writes it into a lane. */
export const laneItemSchema = z.object({
  /** `receiverOrigin(url)`, named by the pump; absent from items queued before it did. */
  origin: z.string().optional(),
  eventId: z.string().min(1),
  url: z.string().min(1),
  /**
   * On a sealed bot URL's item: the recorder's WEBHOOK_URL, which gets the event on its own lane, so
   * a bot URL that opens to it is not sent a second time.
   */
  global: z.string().optional(),
  event: z.union([
    /** A state change (the bot store's scripts). */
    z.object({ id: z.string(), state: z.string(), at: z.string(), view: botViewSchema }),
    /** A meeting event the request opted into (`meetingEvents`, docs/contract.md §11). */
    z.object({ id: z.string(), meeting: meetingEventSchema }),
  ]),
});
export type LaneItem = z.infer<typeof laneItemSchema>;

/** docs/contract.md §7 webhook body. */
export interface WebhookEvent {
  id: string;
  type: `bot.${string}`;
  createdAt: string;
  bot: z.infer<typeof botViewSchema>;
  /** The origin of the URL it is sent to: a receiver refuses an event signed for another one. */
  audience: string;
}

/** docs/contract.md §11 webhook body of a meeting event: `type` is `meeting.<event type>`. */
export interface MeetingWebhookEvent {
  id: string;
  type: `meeting.${string}`;
  createdAt: string;
  botId: string;
  event: MeetingEvent;
  audience: string;
}

export function webhookBody(item: LaneItem, audience: string): WebhookEvent | MeetingWebhookEvent {
  if ('meeting' in item.event) {
    const { meeting } = item.event;
    return {
      id: item.eventId,
      type: `meeting.${meeting.type}`,
      createdAt: meeting.at,
      botId: item.event.id,
      event: meeting,
      audience,
    };
  }
  return {
    id: item.eventId,
    type: `bot.${item.event.state}`,
    createdAt: item.event.at,
    bot: item.event.view,
    audience,
  };
}

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  /** 5xx, 408, 429, a timeout or a network error: the receiver may take it later. */
  | { kind: 'retry'; status?: number; error?: string }
  /**
   * Any other answer (4xx, 3xx: redirects are not followed), or an answer over 64 KiB: trying again
   * would not help.
   */
  | { kind: 'rejected'; status: number }
  /** The URL is outside OUTBOUND_URL_ALLOWLIST (or the public-https default), or cannot be opened. */
  | { kind: 'refused'; error: string };

export interface DeliverOptions {
  policy: OutboundUrlPolicy;
  secret: string;
  timeoutMs: number;
  /**
   * The URL to POST to from the item's `url`: a bot's sealed URL opened (runner/queue/sealed-webhook-url.ts),
   * a clear one as is; `undefined` when it cannot be opened (sealed with another key).
   */
  openUrl: (botId: string, url: string) => Promise<string | undefined>;
}

/** POSTs one event, signed; never throws, so the caller's only question is what to do next. */
export async function deliver(item: LaneItem, options: DeliverOptions): Promise<DeliveryOutcome> {
  let url: string | undefined;
  try {
    url = await options.openUrl(item.event.id, item.url);
  } catch (error) {
    // No key to open it here (JobKeyMismatchError: this process lacks the deployment's
    // JOB_ENCRYPTION_KEY), or Redis away while reading the key: another try may do.
    return { kind: 'retry', error: error instanceof Error ? error.name : String(error) };
  }
  if (url === undefined) {
    return { kind: 'refused', error: 'the webhook URL is sealed with another JOB_ENCRYPTION_KEY' };
  }
  let target: OutboundTarget;
  try {
    // Checked per delivery, not once at enqueue: DNS answers and the allowlist can change. The POST
    // connects to the addresses checked here, not to a second DNS answer.
    target = await options.policy.check(url);
  } catch (error) {
    return { kind: 'refused', error: error instanceof Error ? error.message : String(error) };
  }
  let status: number;
  try {
    ({ status } = await postSigned({
      url: target.url.href,
      connectTo: target.connectTo,
      body: webhookBody(item, target.url.origin),
      secret: options.secret,
      timeoutMs: options.timeoutMs,
      headers: { [EVENT_ID_HEADER]: item.eventId },
    }));
  } catch (error) {
    if (error instanceof ResponseTooLargeError) return { kind: 'rejected', status: error.status };
    return { kind: 'retry', error: error instanceof Error ? error.name : String(error) };
  }
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status >= 500 || status === 408 || status === 429) return { kind: 'retry', status };
  return { kind: 'rejected', status };
}

/** Exponential: base, 2×base, 4×base … capped; `attempt` counts failed tries from 1. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
