import type { DeliveryOutcome } from './webhook-delivery.js';

export type WebhookOutcomeLabel = DeliveryOutcome['kind'] | 'gave_up' | 'malformed';

/** Why pending deliveries were dropped unsent: their origin's backlog was over its cap. */
export type WebhookDropReason = 'backlog_full';

/** Narrow port onto prom-client (`RunnerMetrics.webhookDeliveries`, `webhookDropped`). */
export interface WebhookMetrics {
  webhookDeliveries: { inc(labels: { outcome: WebhookOutcomeLabel }): void };
  webhookDropped: { inc(labels: { reason: WebhookDropReason }, value: number): void };
}
