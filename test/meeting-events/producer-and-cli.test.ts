import { spawn } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  BotNotFoundError,
  createBotClient,
  type MeetingEvent,
  NotInMeetingError,
} from '../../runner/client/producer-client.js';
import { TEST_REDIS_URL } from '../../testkit/redis.js';
import { useMeetingRig } from './meeting-rig.js';

/**
 * docs/contract.md §11 from Node and from a shell: the producer library's meeting-event calls (the
 * same answers as the API), `followMeetingEvents` across a lost Redis link, and the CLI's `events`
 * and `chat` commands.
 */
const rig = useMeetingRig();
const { sim } = rig;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A link to Redis that can fail: `down()` resets the first connection made through it (a producer's
 * command connection: its subscriber comes second) and refuses new ones until `up()`.
 */
async function flakyRedisLink() {
  const target = new URL(TEST_REDIS_URL);
  const sockets = new Set<Socket>();
  let first: Socket[] = [];
  let isDown = false;
  const server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 6379) });
    if (first.length === 0) first = [client, upstream];
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  onTestFinished(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    down() {
      isDown = true;
      for (const s of first) s.destroy();
    },
    up() {
      isDown = false;
    },
  };
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: rig.prefix },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the producer library', { timeout: 60_000 }, () => {
  it('reads events and attendance, sends chat, and follows across a lost Redis link', async () => {
    const meeting = (await sim.createMeeting()).number;
    const eve = await sim.addHuman(meeting, 'Eve');
    const bot = await rig.botInMeeting(meeting);
    const link = await flakyRedisLink();
    const client = createBotClient({ redisUrl: link.url, queuePrefix: rig.prefix, tenant: 'acme' });
    const other = createBotClient({ redisUrl: TEST_REDIS_URL, queuePrefix: rig.prefix, tenant: 'beta' });
    onTestFinished(async () => {
      await client.close();
      await other.close();
    });
    const say = (text: string) => sim.call('POST', `/_sim/meetings/${meeting}/chat`, { from: eve, text });

    const followed: MeetingEvent[] = [];
    const following = (async () => {
      for await (const event of client.followMeetingEvents(bot.id)) followed.push(event);
    })();
    await say('before');
    await expect.poll(() => followed.some((e) => e.type === 'chat.received')).toBe(true);

    // The subscriber stays: these wake the follower, whose reads fail until the link is back.
    link.down();
    await say('while down 1');
    await say('while down 2');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    link.up();
    await say('after');
    expect(await client.chat(bot.id, 'Thanks, Eve', { to: eve })).toEqual({ requestId: expect.any(String) });
    await rig.waitForEvent(bot.id, (e) => e.type === 'chat.sent');

    const page = await client.meetingEvents(bot.id, { type: 'chat' });
    expect(page.items.map((e) => e.data)).toEqual([
      expect.objectContaining({ text: 'before' }),
      expect.objectContaining({ text: 'while down 1' }),
      expect.objectContaining({ text: 'while down 2' }),
      expect.objectContaining({ text: 'after' }),
      { to: eve, text: 'Thanks, Eve' },
    ]);
    const people = await client.participants(bot.id);
    expect(people.map((p) => [p.name, p.ours, p.present])).toEqual(
      expect.arrayContaining([
        ['Eve', false, true],
        ['Notes Bot', true, true],
      ]),
    );
    await expect(other.meetingEvents(bot.id)).rejects.toBeInstanceOf(BotNotFoundError);
    await expect(other.chat(bot.id, 'hi')).rejects.toBeInstanceOf(BotNotFoundError);

    await client.leave(bot.id);
    await following;
    expect(followed).toEqual(await rig.events(bot.id));
    await expect(client.chat(bot.id, 'too late')).rejects.toBeInstanceOf(NotInMeetingError);
  });
});

describe('CLI: events and chat', { timeout: 60_000 }, () => {
  it('prints a bot’s events as JSON lines, follows them until it ends, and sends chat', async () => {
    const meeting = (await sim.createMeeting()).number;
    const finn = await sim.addHuman(meeting, 'Finn');
    const bot = await rig.botInMeeting(meeting);
    await sim.call('POST', `/_sim/meetings/${meeting}/chat`, { from: finn, text: 'hello cli' });
    await rig.waitForEvent(bot.id, (e) => e.type === 'chat.received');

    const follow = cli(['events', bot.id, '--follow', '--tenant', 'acme']);
    const chat = await cli(['chat', bot.id, 'Hello from a shell', '--to', String(finn), '--tenant', 'acme']);
    expect(chat.code, chat.stderr).toBe(0);
    expect(chat.stdout.trim()).toMatch(/^[0-9a-f-]{36}$/);
    await rig.waitForEvent(bot.id, (e) => e.type === 'chat.sent');

    const listed = await cli(['events', bot.id, '--type', 'chat', '--tenant', 'acme']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).data),
    ).toEqual([
      { from: { participantId: finn, name: 'Finn' }, to: 'everyone', text: 'hello cli' },
      { to: finn, text: 'Hello from a shell' },
    ]);

    await rig.call(`/v1/bots/${bot.id}`, { method: 'DELETE' });
    const followed = await follow;
    expect(followed.code, followed.stderr).toBe(0);
    const all = await rig.events(bot.id);
    expect(
      followed.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(all);

    const late = await cli(['chat', bot.id, 'too late', '--tenant', 'acme']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('[not_in_meeting]');
    const stranger = await cli(['events', bot.id]);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('[not_found]');
  });
});
