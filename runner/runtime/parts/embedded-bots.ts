import type { Logger } from '../../log/logger.js';
import type { BotService } from '../../queue/bot-service.js';
import type { QueueLayer } from '../../queue/queue-layer.js';
import { OPERATOR } from '../../tenants/principal.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';

/**
 * The embedded sim stops with this process, and its meetings with it: a handed-off bot would wait in
 * the queue for a meeting that no longer exists. So on close this run's bots leave and end
 * `left_by_request` before the worker shuts down. "This run's" = live bots whose meeting is one of the
 * embedded sim's, of any tenant: another run sharing the Redis and QUEUE_PREFIX keeps its bots.
 */
export function embeddedBotsPart(input: {
  layer: Ref<QueueLayer>;
  sim: Ref<{ url: string }>;
  timeoutMs: number;
  logger: Logger;
}): Resource<undefined> {
  return resource('embedded bots', (defer) => {
    defer('bots leave their meetings', () =>
      leaveRunBots(input.layer.value.service, input.sim.value.url, input.timeoutMs, input.logger),
    );
    return undefined;
  });
}

async function leaveRunBots(service: BotService, simUrl: string, timeoutMs: number, logger: Logger) {
  const live: Array<{ id: string; meetingNumber: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await service.list(OPERATOR, { limit: 100, ...(cursor !== undefined ? { cursor } : {}) });
    for (const bot of page.items) if (bot.state !== 'ended') live.push(bot);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  const ours = new Set<string>();
  for (const meetingNumber of new Set(live.map((bot) => bot.meetingNumber))) {
    const response = await fetch(`${simUrl}/_sim/meetings/${meetingNumber}`).catch(() => undefined);
    await response?.body?.cancel();
    if (response?.status === 200) ours.add(meetingNumber);
  }
  const ids = live.filter((bot) => ours.has(bot.meetingNumber)).map((bot) => bot.id);
  if (ids.length === 0) return;
  logger.info({ bots: ids.length }, 'embedded sim stopping: its bots leave their meetings');
  await Promise.all(ids.map((id) => service.leave(OPERATOR, id).catch(() => undefined)));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const views = await Promise.all(ids.map((id) => service.get(OPERATOR, id).catch(() => undefined)));
    if (views.every((view) => view === undefined || view.state === 'ended')) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  logger.warn('bots still leaving at the end of SHUTDOWN_GRACE_SEC; stopping anyway');
}
