import type { Redis } from 'ioredis';
import type { Config } from '../../config/config-table.js';
import type { Logger } from '../../log/logger.js';
import type { RunnerMetrics } from '../../metrics/runner-metrics.js';
import type { QueueLayer } from '../../queue/queue-layer.js';
import { Reconciler } from '../../reconciler/reconciler.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';

/**
 * Competes for the reconciler lease (docs/contract.md §12). Every api, worker and start process runs
 * one, so bots are reconciled whichever processes are up; one process at a time acts.
 */
export function reconcilerPart(input: {
  config: Config;
  redis: Ref<Redis>;
  layer: Ref<QueueLayer>;
  metrics: RunnerMetrics;
  logger: Logger;
}): Resource<Reconciler> {
  return resource('reconciler', (defer) => {
    const layer = input.layer.value;
    const reconciler = new Reconciler({
      redis: input.redis.value,
      prefix: input.config.QUEUE_PREFIX,
      store: layer.store,
      leaves: layer.leaves,
      queue: layer.queue,
      metrics: input.metrics,
      logger: input.logger,
      intervalMs: input.config.RECONCILE_INTERVAL_SEC * 1000,
    });
    reconciler.start();
    defer('hand the reconciler lease on', () => reconciler.close());
    return reconciler;
  });
}
