import { z } from 'zod';
import { botViewSchema } from '../../shared/bot-view.js';
import type { OutboundUrlPolicy } from '../http/outbound-url-policy.js';
import { postSigned } from '../http/signed-request.js';

/** Contract §7: names a webhook event so a receiver can drop a repeated delivery. */
export const EVENT_ID_HEADER = 'x-zbr-event-id';

/** One queued delivery, as the pump script writes it into a lane. */
export const laneItemSchema = z.object({
  eventId: z.string().min(1),
  url: z.string().min(1),
  event: z.object({ id: z.string(), state: z.string(), at: z.string(), view: botViewSchema }),
});
export type LaneItem = z.infer<typeof laneItemSchema>;

/** Contract §7 webhook body. */
export interface WebhookEvent {
  id: string;
  type: `bot.${string}`;
  createdAt: string;
  bot: z.infer<typeof botViewSchema>;
}

export function webhookBody(item: LaneItem): WebhookEvent {
  return {
    id: item.eventId,
    type: `bot.${item.event.state}`,
    createdAt: item.event.at,
    bot: item.event.view,
  };
}

export type DeliveryOutcome =
  | { kind: 'delivered'; status: number }
  /** 5xx, 408, 429, a timeout or a network error: the receiver may take it later. */
  | { kind: 'retry'; status?: number; error?: string }
  /** Any other answer (4xx, 3xx: redirects are not followed): trying again would not help. */
  | { kind: 'rejected'; status: number }
  /** The URL is outside OUTBOUND_URL_ALLOWLIST (or the public-https default). */
  | { kind: 'refused'; error: string };

export interface DeliverOptions {
  policy: OutboundUrlPolicy;
  secret: string;
  timeoutMs: number;
}

/** POSTs one event, signed; never throws, so the caller's only question is what to do next. */
export async function deliver(item: LaneItem, options: DeliverOptions): Promise<DeliveryOutcome> {
  try {
    // Checked per delivery, not once at enqueue: DNS answers and the allowlist can change.
    await options.policy.check(item.url);
  } catch (error) {
    return { kind: 'refused', error: error instanceof Error ? error.message : String(error) };
  }
  let status: number;
  try {
    ({ status } = await postSigned({
      url: item.url,
      body: webhookBody(item),
      secret: options.secret,
      timeoutMs: options.timeoutMs,
      headers: { [EVENT_ID_HEADER]: item.eventId },
    }));
  } catch (error) {
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
