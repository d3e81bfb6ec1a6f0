import type { Redis } from 'ioredis';
import type { Logger } from '../log/logger.js';
import { evalScript } from '../redis/eval-script.js';
import type { BotRecorder, RecordFence, StateChange } from '../supervisor/ports.js';
import { queueKeys } from './queue-names.js';

/**
 * KEYS: 1 the bot's BullMQ job hash, 2 its lock. ARGV: 1 the writer's lock token or ''.
 * Zeroes BullMQ's stall counter (`stc`, `Job.stalledCounter`) of a job that still exists, only
 * while the writer holds its lock.
 */
const RESET_SCRIPT = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'stc', 0)
return 1`;

/**
 * docs/contract.md §12 counts a bot's stalls (its worker died with it) towards `too_many_stalls`.
 * BullMQ counts them over the job's whole life, so a healthy bot that shared a crashing worker with
 * a poison one, or sat through four unrelated crashes in a long meeting, would end too. Its count
 * starts afresh each time it is back in its meeting: only a bot that takes its worker down on every
 * way in reaches the limit.
 *
 * A `BotRecorder` in front of the store: after an `in_meeting` change went through, the stall
 * counter is reset, best effort (a failed reset is logged and never fails the record, so a retrying
 * recorder above does not record the change twice).
 */
export class StallCountReset implements BotRecorder {
  constructor(
    private readonly inner: BotRecorder,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async record(botId: string, change: StateChange, fence?: RecordFence): Promise<void> {
    await this.inner.record(botId, change, fence);
    if (change.state !== 'in_meeting') return;
    const keys = queueKeys(this.prefix);
    await evalScript(
      this.redis,
      RESET_SCRIPT,
      2,
      keys.job(botId),
      keys.jobLock(botId),
      fence?.lockToken ?? '',
    ).catch((error: Error) => {
      this.logger.warn({ botId, err: error.message }, 'could not reset the job’s stall count');
    });
  }
}
