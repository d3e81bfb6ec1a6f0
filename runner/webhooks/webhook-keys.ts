/** BullMQ queue of lane jobs (`<prefix>:webhooks:*`, next to the bot queue's `<prefix>:bots:*`). */
export const WEBHOOK_QUEUE_NAME = 'webhooks';
export const WEBHOOK_JOB_NAME = 'deliver';

/**
 * A lane is one bot's deliveries to one receiver, delivered strictly in order: `bot` is the
 * request's `webhookUrl`, `all` is WEBHOOK_URL. Two lanes per bot, so a receiver that is down never
 * holds back the other receiver's events.
 */
export type LaneTarget = 'bot' | 'all';

/**
 * Redis layout of the dispatcher. It lives under `<prefix>:webhook:` (singular) because BullMQ owns
 * `<prefix>:webhooks:*` for the queue of the same name.
 */
export function webhookKeys(prefix: string) {
  const base = `${prefix}:webhook:`;
  return {
    /** Written by the bot store's scripts (see `queueKeys().eventsStream`). */
    stream: `${prefix}:bot-events-stream`,
    /** Id of the last stream entry moved into lanes: the dispatcher's durable read position. */
    cursor: `${base}cursor`,
    /** Members `<target>:<botId>`: lanes that have a job in charge of them. */
    activeLanes: `${base}lanes`,
    /** INCR'd for each lane job, so a lane's next job never collides with its finishing one. */
    jobSeq: `${base}job-seq`,
    /** Prefix the pump script appends `lane:<lane>` / `job:<lane>` to. */
    base,
    lane: (lane: string) => `${base}lane:${lane}`,
    /** The id of the job in charge of a lane; absent when the lane is idle. */
    laneJob: (lane: string) => `${base}job:${lane}`,
    /** Failed tries of the lane's head delivery. */
    attempts: (lane: string) => `${base}attempts:${lane}`,
  };
}
export type WebhookKeys = ReturnType<typeof webhookKeys>;

export function laneName(target: LaneTarget, botId: string): string {
  return `${target}:${botId}`;
}
