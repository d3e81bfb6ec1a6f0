import type { Redis } from 'ioredis';
import type { Config } from '../../config/config-table.js';
import { OutboundUrlPolicy } from '../../http/outbound-url-policy.js';
import { createQueueLayer, type QueueLayer } from '../../queue/queue-layer.js';
import type { ZoomCredentials } from '../../zoom/zoom-credentials.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';

/** The bot queue, store, leave channel and bot service of this process, on its command connection. */
export function queueLayerPart(input: {
  config: Config;
  redis: Ref<Redis>;
  credentials: Ref<ZoomCredentials>;
}): Resource<QueueLayer> {
  const { config } = input;
  return resource('queue layer', (defer) => {
    const layer = createQueueLayer({
      redis: input.redis.value,
      prefix: config.QUEUE_PREFIX,
      jobEncryptionKey: config.JOB_ENCRYPTION_KEY,
      serviceUser: input.credentials.value.botUser,
      urlPolicy: new OutboundUrlPolicy({ allowlist: config.OUTBOUND_URL_ALLOWLIST }),
      webhookUrl: config.WEBHOOK_URL,
      maxJoinAheadSec: config.MAX_JOIN_AHEAD_SEC,
      chatPerBotPerMin: config.CHAT_PER_BOT_PER_MIN,
    });
    defer('close queue', () => layer.close());
    return layer;
  });
}
