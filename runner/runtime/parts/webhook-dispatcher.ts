import type { Redis } from 'ioredis';
import type { Config } from '../../config/config-table.js';
import type { Logger } from '../../log/logger.js';
import type { RunnerMetrics } from '../../metrics/runner-metrics.js';
import { startWebhookDispatcher, type WebhookDispatcher } from '../../webhooks/webhook-dispatcher.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';

/** Delivers webhooks (docs/contract.md §7). Every process runs one; they share the work through Redis. */
export function webhookDispatcherPart(input: {
  config: Config;
  redis: Ref<Redis>;
  redisUrl: Ref<string>;
  logger: Logger;
  metrics: RunnerMetrics;
}): Resource<WebhookDispatcher> {
  const { config, logger, metrics } = input;
  return resource('webhook dispatcher', (defer) => {
    const dispatcher = startWebhookDispatcher({
      redis: input.redis.value,
      redisUrl: input.redisUrl.value,
      prefix: config.QUEUE_PREFIX,
      config,
      logger,
      metrics,
      settings: {
        originConcurrency: config.WEBHOOK_ORIGIN_CONCURRENCY,
        originBacklogMax: config.WEBHOOK_ORIGIN_BACKLOG,
      },
    });
    defer('stop delivering', () => dispatcher.close());
    return dispatcher;
  });
}
