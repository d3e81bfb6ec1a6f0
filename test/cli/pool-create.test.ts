import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPoolCommand } from '../../runner/cli/pool-command.js';
import { type BotClient, createBotClient } from '../../runner/client/producer-client.js';
import { connectTestRedis, deletePrefix, TEST_REDIS_URL, uniquePrefix } from '../../testkit/redis.js';
import { spawnWorker, type WorkerProcess } from '../../testkit/worker-process.js';
import { simClientWorkerEnv } from '../helpers/sim-client-fleet.js';
import { useSim } from '../helpers/sim-harness.js';

/**
 * Bot identities end to end (issue 14): `pool create` makes Zoom users with a picture and puts them
 * in the pool; a bot that joins as `pool` shows that user's picture in its meeting.
 */
const prefix = uniquePrefix();
const dir = mkdtempSync(path.join(tmpdir(), 'zbr-pool-'));
// Smallest valid images of each kind Zoom takes (1×1 pixel).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
const pngFile = path.join(dir, 'bot.png');
const jpegFile = path.join(dir, 'other.jpg');
const textFile = path.join(dir, 'notes.png');
const sim = useSim();
let worker: WorkerProcess | undefined;
let bots: BotClient | undefined;

beforeAll(async () => {
  writeFileSync(pngFile, PNG);
  writeFileSync(jpegFile, JPEG);
  writeFileSync(textFile, 'not an image');
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  await bots?.close();
  const redis = connectTestRedis();
  await deletePrefix(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

async function run(args: string[]) {
  const lines: string[] = [];
  const code = await runPoolCommand(args, { QUEUE_PREFIX: prefix, ZOOM_SIM_URL: sim.sim.url }, (line) =>
    lines.push(line),
  );
  return { code, lines };
}

async function avatarOf(url: string | null | undefined): Promise<Buffer> {
  if (!url) throw new Error('no avatar');
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

describe('zoom-bot-runner pool create / picture', () => {
  it('refuses a file that is not a picture before creating anyone, and a template without {n}', async () => {
    await expect(
      run(['create', '--count', '1', '--email', 'x-{n}@example.com', '--picture', textFile]),
    ).rejects.toThrow(/neither PNG nor JPEG/);
    await expect(run(['create', '--count', '2', '--email', 'bot@example.com'])).rejects.toThrow(/\{n\}/);
    await expect(run(['create', '--count', '0', '--email', 'b-{n}@example.com'])).rejects.toThrow(/--count/);
    expect((await run(['list'])).lines).toEqual([
      'The pool is empty. Add users with: zoom-bot-runner pool add USER...',
    ]);
  });

  it('creates the users with the picture, pools them, and reuses them when run again', async () => {
    const first = await run([
      'create',
      '--count',
      '2',
      '--email',
      'pic-bot-{n}@example.com',
      '--picture',
      pngFile,
    ]);
    expect(first.code).toBe(0);
    expect(first.lines.filter((l) => l.startsWith('created '))).toHaveLength(2);
    expect(first.lines.at(-1)).toBe('2 user(s) in the pool, each with the picture');
    const again = await run(['create', '--count', '2', '--email', 'pic-bot-{n}@example.com']);
    expect(again.lines.filter((l) => l.startsWith('reused '))).toHaveLength(2);
    expect((await run(['list'])).lines).toHaveLength(2);
  });

  it('a bot that joins as a pool user shows that user’s picture; `pool picture` changes it', async () => {
    worker = spawnWorker(simClientWorkerEnv(sim.sim.url, prefix));
    await worker.ready;
    bots = createBotClient({ redisUrl: TEST_REDIS_URL, queuePrefix: prefix });
    const meeting = await sim.createMeeting();
    const { bot } = await bots.enqueue({
      meetingNumber: meeting.number,
      displayName: 'Pictured',
      auth: { type: 'zak', user: 'pool' },
    });
    await expect.poll(async () => (await bots?.get(bot.id))?.state, { timeout: 30_000 }).toBe('in_meeting');
    const participant = async () =>
      (await sim.meeting(meeting.number)).participants.find((p) => p.customerKey === bot.id);
    expect((await avatarOf((await participant())?.avatarUrl)).equals(PNG)).toBe(true);

    const userId = (await participant())?.userId;
    if (!userId) throw new Error('the bot joined without a Zoom user');
    expect((await run(['picture', userId, jpegFile])).lines).toEqual([
      expect.stringMatching(new RegExp(`^picture of ${userId} \\(pic-bot-\\d@example\\.com\\) changed$`)),
    ]);
    // Its next join shows the new picture.
    await bots.leave(bot.id);
    await expect.poll(async () => (await bots?.get(bot.id))?.state, { timeout: 20_000 }).toBe('ended');
    const { bot: next } = await bots.enqueue({
      meetingNumber: meeting.number,
      displayName: 'Pictured Again',
      auth: { type: 'zak', user: userId },
    });
    await expect.poll(async () => (await bots?.get(next.id))?.state, { timeout: 30_000 }).toBe('in_meeting');
    const again = (await sim.meeting(meeting.number)).participants.find((p) => p.customerKey === next.id);
    expect((await avatarOf(again?.avatarUrl)).equals(JPEG)).toBe(true);
    await bots.leave(next.id);
  }, 60_000);
});
