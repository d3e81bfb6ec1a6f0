import type { Redis } from 'ioredis';
import type { Config } from '../../config/config-table.js';
import { QueueDepthReporter } from '../../metrics/queue-depth-reporter.js';
import type { RunnerMetrics } from '../../metrics/runner-metrics.js';
import type { QueueLayer } from '../../queue/queue-layer.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';

/**
 * Competes for the queue-depth lease (`zbr_queue_jobs`). The api runs one too, so an autoscaler sees
 * the queue with no worker running and can scale workers from zero.
 */
export function queueDepthPart(input: {
  config: Config;
  redis: Ref<Redis>;
  layer: Ref<QueueLayer>;
  metrics: RunnerMetrics;
}): Resource<QueueDepthReporter> {
  return resource('queue depth', (defer) => {
    const reporter = new QueueDepthReporter({
      redis: input.redis.value,
      prefix: input.config.QUEUE_PREFIX,
      queue: input.layer.value.queue,
      metrics: input.metrics,
    });
    reporter.start();
    defer('hand the lease on', () => reporter.close());
    return reporter;
  });
}
