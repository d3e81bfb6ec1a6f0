import type { DeliveryOutcome } from './webhook-delivery.js';

/**
 * What became of an event's delivery to one receiver: a try's outcome, `gave_up` after the last try,
 * `malformed`, or `same_as_global` (no try: a bot URL that is the WEBHOOK_URL, sent on that lane).
 */
export type WebhookOutcomeLabel = DeliveryOutcome['kind'] | 'gave_up' | 'malformed' | 'same_as_global';

/** Why pending deliveries were dropped unsent: their origin's backlog was over its cap. */
export type WebhookDropReason = 'backlog_full';

/** Narrow port onto prom-client (`RunnerMetrics.webhookDeliveries`, `webhookDropped`). */
export interface WebhookMetrics {
  webhookDeliveries: { inc(labels: { outcome: WebhookOutcomeLabel }): void };
  webhookDropped: { inc(labels: { reason: WebhookDropReason }, value: number): void };
}
