import { describe, expect, it, onTestFinished } from 'vitest';
import { QueueDepthReporter } from '../../runner/metrics/queue-depth-reporter.js';
import { RunnerMetrics } from '../../runner/metrics/runner-metrics.js';
import { createBotQueue } from '../../runner/queue/bot-queue.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';

function setup() {
  const prefix = uniquePrefix();
  const redis = connectTestRedis();
  const queue = createBotQueue({ connection: redis, prefix });
  const reporters: QueueDepthReporter[] = [];
  const replica = () => {
    const metrics = new RunnerMetrics();
    const reporter = new QueueDepthReporter({
      redis,
      prefix,
      queue,
      metrics,
      leaseMs: 2_000,
      intervalMs: 60_000,
    });
    reporters.push(reporter);
    return { metrics, reporter };
  };
  onTestFinished(async () => {
    for (const reporter of reporters) await reporter.close();
    await queue.close();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  return { prefix, redis, queue, replica };
}

async function queueLines(metrics: RunnerMetrics): Promise<string[]> {
  return (await metrics.text()).split('\n').filter((line) => line.startsWith('zbr_queue_jobs{'));
}

describe('queue depth, once per deployment', () => {
  it('only the lease holder reports; another takes over when it closes or its lease lapses', async () => {
    const { prefix, redis, queue, replica } = setup();
    await queue.add('join', { v: 1 } as never, { jobId: 'a', priority: 1000 });
    await queue.add('join', { v: 1 } as never, { jobId: 'b', delay: 60_000 });
    const one = replica();
    const two = replica();
    await one.reporter.tick();
    await two.reporter.tick();
    expect(one.reporter.isLeader).toBe(true);
    expect(two.reporter.isLeader).toBe(false);
    expect(await queueLines(one.metrics)).toEqual(
      expect.arrayContaining(['zbr_queue_jobs{state="prioritized"} 1', 'zbr_queue_jobs{state="delayed"} 1']),
    );
    expect(await queueLines(two.metrics)).toEqual([]);
    expect(await redis.pttl(`${prefix}:metrics:leader`)).toBeGreaterThan(1_000);

    // The leader renews; the follower stays silent.
    await one.reporter.tick();
    await two.reporter.tick();
    expect(two.reporter.isLeader).toBe(false);

    await one.reporter.close();
    await two.reporter.tick();
    expect(two.reporter.isLeader).toBe(true);
    expect(await queueLines(two.metrics)).toContain('zbr_queue_jobs{state="prioritized"} 1');

    // A leader that stops renewing (dead process) loses the lease when it expires.
    const three = replica();
    await redis.pexpire(`${prefix}:metrics:leader`, 1);
    await expect.poll(() => redis.exists(`${prefix}:metrics:leader`)).toBe(0);
    await three.reporter.tick();
    await two.reporter.tick();
    expect(three.reporter.isLeader).toBe(true);
    expect(two.reporter.isLeader).toBe(false);
    expect(await queueLines(two.metrics)).toEqual([]);
  });

  it('a close that comes while the first round is taking the lease still hands it on', async () => {
    const { prefix, redis, replica } = setup();
    for (let round = 0; round < 5; round++) {
      const { reporter } = replica();
      reporter.start();
      await reporter.close();
      expect(await redis.exists(`${prefix}:metrics:leader`)).toBe(0);
      // A closed reporter never starts again.
      reporter.start();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await redis.exists(`${prefix}:metrics:leader`)).toBe(0);
    }
  });
});
