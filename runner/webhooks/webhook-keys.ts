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
    /**
     * One entry (a lane name) per pending delivery to a receiver origin, oldest first: the origin's
     * backlog, capped by dropping its oldest deliveries (the pump script appends `backlog:<origin>`).
     */
    backlog: (origin: string) => `${base}backlog:${origin}`,
    /** Sorted set of the lane jobs delivering to an origin now (or handed a slot), scored by lease end. */
    originSlots: (origin: string) => `${base}slots:${origin}`,
    /** Sorted set of the lane jobs parked until a slot of the origin frees, first come first served. */
    originWaiting: (origin: string) => `${base}waiting:${origin}`,
  };
}
export type WebhookKeys = ReturnType<typeof webhookKeys>;

export function laneName(target: LaneTarget, botId: string): string {
  return `${target}:${botId}`;
}
