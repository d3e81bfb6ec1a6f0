import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createQueueLayer } from '../../runner/queue/queue-layer.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { ensurePageBuilds } from '../../runner/web/page-build.js';
import { botViewSchema } from '../../shared/bot-view.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';
import { overlappingBotCopies } from '../../testkit/sim-invariants.js';
import { isAlive } from '../../testkit/worker-process.js';
import type { MeetingView } from '../../zoom-sim/meetings/meeting.js';
import { isolatedNetworkCommand, itIsolated } from '../helpers/isolated-network.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const UNSET = [
  'ZOOM_SIM_URL',
  'ZOOM_ACCOUNT_ID',
  'ZOOM_CLIENT_ID',
  'ZOOM_CLIENT_SECRET',
  'ZOOM_SDK_KEY',
  'ZOOM_SDK_SECRET',
  'API_KEYS',
  'REDIS_URL',
  'DASHBOARD_USER',
  'DASHBOARD_PASSWORD',
];

function descendants(pid: number): number[] {
  const all: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    let out = '';
    try {
      out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(queue.shift())], { encoding: 'utf8' });
    } catch {
      // ps exits 1 when the process has no children.
    }
    const next = out
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
    all.push(...next);
    queue.push(...next);
  }
  return all;
}

function commandOf(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** What the banner prints: the curl that adds a bot and the two sim curls, taken apart for `fetch`. */
interface Banner {
  botsUrl: string;
  authorization: string;
  body: string;
  meetingUrl: string;
  dropUrl: (participantId: number) => string;
  dashboard: { url: string; user: string; password: string };
}

function parseBanner(output: string): Banner | undefined {
  const add = /curl -sS -X POST (\S+\/v1\/bots) -H 'Authorization: ([^']+)' .* -d '([^']+)'/.exec(output);
  const meeting = /curl -sS (\S+\/_sim\/meetings\/\d+)\n/.exec(output);
  const drop = /curl -sS -X POST (\S+\/participants\/)<participant id>(\/drop)/.exec(output);
  const login = /Dashboard: (\S+)\s+user (\S+), password (\S+) /.exec(output);
  if (!add?.[1] || !add[2] || !add[3] || !meeting?.[1] || !drop?.[1] || !login?.[1]) return undefined;
  const [dropBase, dropTail] = [drop[1], drop[2]];
  return {
    botsUrl: add[1],
    authorization: add[2],
    body: add[3],
    meetingUrl: meeting[1],
    dropUrl: (id) => `${dropBase}${id}${dropTail}`,
    dashboard: { url: login[1], user: login[2] ?? '', password: login[3] ?? '' },
  };
}

interface Started {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

function startEnv(prefix: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, API_PORT: '0', QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
  for (const name of UNSET) delete env[name];
  return env;
}

describe('npm start, on the embedded default', () => {
  const prefix = uniquePrefix();
  let running: Started | undefined;

  beforeAll(async () => {
    // A fresh clone's `npm ci` builds the page; this only makes sure the test does not time out doing it.
    await ensurePageBuilds(['sim']);
  }, 180_000);

  afterEach(() => {
    if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  });

  afterAll(async () => {
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('prints what to run; the bot it adds joins, is dropped, comes back; Ctrl-C leaves no Chromium', async () => {
    const started = startProcess('npm', ['start', '--silent'], startEnv(prefix));
    running = started;
    await expect
      .poll(() => parseBanner(started.output.join('')), { timeout: 90_000, interval: 200 })
      .toBeDefined();
    const text = started.output.join('');
    expect(text).toContain('embedded zoom-sim');
    const banner = parseBanner(text);
    if (!banner) throw new Error(`no banner in: ${text}`);
    expect(banner.authorization).toMatch(/^Bearer zbr_/);
    const basic = `Basic ${Buffer.from(`${banner.dashboard.user}:${banner.dashboard.password}`).toString('base64')}`;
    expect((await fetch(banner.dashboard.url, { headers: { Authorization: basic } })).status).toBe(200);

    // The printed curl, as a newcomer would paste it.
    const created = await fetch(banner.botsUrl, {
      method: 'POST',
      headers: { Authorization: banner.authorization, 'Content-Type': 'application/json' },
      body: banner.body,
    });
    expect(created.status).toBe(201);
    const bot = botViewSchema.parse(await created.json());
    const meeting = async () => (await (await fetch(banner.meetingUrl)).json()) as MeetingView;
    const inMeeting = async () =>
      (await meeting()).participants.filter((p) => p.customerKey === bot.id && p.state === 'in_meeting');
    await expect.poll(async () => (await inMeeting()).length, { timeout: 45_000, interval: 300 }).toBe(1);
    const [first] = await inMeeting();
    if (!first) throw new Error('no participant');

    // The printed drop: the SDK gives up on the connection, the runner rejoins on a fresh token.
    expect((await fetch(banner.dropUrl(first.id), { method: 'POST' })).status).toBe(200);
    await expect
      .poll(async () => (await inMeeting()).filter((p) => p.id !== first.id).length, {
        timeout: 30_000,
        interval: 300,
      })
      .toBe(1);
    // Back in the meeting: exactly one live copy, a new participant on a fresh token.
    const live = await inMeeting();
    expect(live).toHaveLength(1);
    const [back] = live;
    if (!back) throw new Error('no participant');
    expect(back.id).not.toBe(first.id);
    expect(back.tokenId).toEqual(expect.any(String));
    expect(back.tokenId).not.toBe(first.tokenId);
    expect(overlappingBotCopies(await meeting())).toEqual([]);
    const view = botViewSchema.parse(
      await (
        await fetch(`${banner.botsUrl}/${bot.id}`, { headers: { Authorization: banner.authorization } })
      ).json(),
    );
    expect(view.state).toBe('in_meeting');

    const tree = descendants(started.child.pid ?? 0);
    expect(tree.map(commandOf).some((name) => name.includes('chrom'))).toBe(true);
    started.child.kill('SIGINT');
    expect(await started.exited, started.output.join('')).toBe(0);
    await expect.poll(() => tree.filter(isAlive), { timeout: 15_000 }).toEqual([]);
    // Its meeting went with the embedded sim: the bot left and ended, rather than wait in the queue.
    const redis = connectTestRedis();
    try {
      const layer = createQueueLayer({ redis, prefix });
      const ended = await layer.service.get(OPERATOR, bot.id);
      await layer.close();
      expect(ended).toMatchObject({ state: 'ended', endReason: 'left_by_request' });
    } finally {
      redis.disconnect();
    }
  }, 180_000);

  it("two runs on the machine's Redis keep to themselves: own prefixes, and a Ctrl-C ends only that run's bots", async () => {
    const cli = ['--import', 'tsx', 'runner/cli/main.ts', 'start'];
    const bannerOf = async (run: Started) => {
      await expect
        .poll(() => parseBanner(run.output.join('')), { timeout: 90_000, interval: 200 })
        .toBeDefined();
      const text = run.output.join('');
      const banner = parseBanner(text);
      const prefix = /keeps its bots under QUEUE_PREFIX=(\S+?)\.\n/.exec(text)?.[1];
      if (!banner || !prefix) throw new Error(`no banner in: ${text}`);
      return { banner, prefix };
    };
    const list = async (banner: Banner) =>
      (
        (await (
          await fetch(banner.botsUrl, { headers: { Authorization: banner.authorization } })
        ).json()) as {
          items: Array<{ id: string; state: string }>;
        }
      ).items;
    const { QUEUE_PREFIX: _unset, ...noPrefix } = startEnv('unused');
    const a = startProcess(process.execPath, cli, noPrefix);
    const others: Started[] = [];
    try {
      const first = await bannerOf(a);
      expect(first.prefix).toMatch(/^zbr-start-[0-9a-f]{8}$/);
      const created = await fetch(first.banner.botsUrl, {
        method: 'POST',
        headers: { Authorization: first.banner.authorization, 'Content-Type': 'application/json' },
        body: first.banner.body,
      });
      const bot = botViewSchema.parse(await created.json());
      const stateInA = async () => (await list(first.banner)).find((b) => b.id === bot.id)?.state;
      await expect.poll(stateInA, { timeout: 45_000, interval: 300 }).toBe('in_meeting');

      // A second run with no QUEUE_PREFIX: a prefix of its own, so it sees none of the first run's bots.
      const b = startProcess(process.execPath, cli, noPrefix);
      others.push(b);
      const second = await bannerOf(b);
      expect(second.prefix).not.toBe(first.prefix);
      expect(await list(second.banner)).toEqual([]);
      b.child.kill('SIGINT');
      expect(await b.exited, b.output.join('')).toBe(0);

      // A third run told to share the first run's prefix sees its bot, but its Ctrl-C ends only bots
      // of its own embedded sim's meetings.
      const c = startProcess(process.execPath, cli, { ...noPrefix, QUEUE_PREFIX: first.prefix });
      others.push(c);
      const third = await bannerOf(c);
      expect((await list(third.banner)).map((item) => item.id)).toContain(bot.id);
      c.child.kill('SIGINT');
      expect(await c.exited, c.output.join('')).toBe(0);
      expect(await stateInA()).toBe('in_meeting');

      a.child.kill('SIGINT');
      expect(await a.exited, a.output.join('')).toBe(0);
      // The run's keys went with it: the next run on this Redis inherits nothing.
      const redis = connectTestRedis();
      try {
        for (const prefix of [first.prefix, second.prefix])
          expect(await redis.keys(`${prefix}:*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    } finally {
      for (const run of [a, ...others]) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  }, 240_000);

  itIsolated(
    'with nothing on the default Redis address: a private redis-server for the run, gone after Ctrl-C',
    async () => {
      const [command, args] = isolatedNetworkCommand(process.execPath, [
        '--import',
        'tsx',
        'runner/cli/main.ts',
        'start',
      ]);
      const started = startProcess(command, args, startEnv(uniquePrefix()));
      running = started;
      await expect
        .poll(() => parseBanner(started.output.join('')), { timeout: 90_000, interval: 200 })
        .toBeDefined();
      const text = started.output.join('');
      expect(text).toMatch(
        /REDIS_URL is not set and nothing answers on redis:\/\/127\.0\.0\.1:6379: running a private redis-server for this run at redis:\/\/127\.0\.0\.1:\d+/,
      );
      const banner = parseBanner(text);
      if (banner && process.getuid?.() === 0) {
        // Root can step into the namespace: the API there is ready, so it works on the private Redis.
        const readyz = banner.botsUrl.replace(/\/v1\/bots$/, '/readyz');
        const status = execFileSync(
          'nsenter',
          [
            `--net=/proc/${started.child.pid}/ns/net`,
            process.execPath,
            '-e',
            `fetch(${JSON.stringify(readyz)}).then((r) => console.log(r.status))`,
          ],
          { encoding: 'utf8', timeout: 20_000 },
        );
        expect(status.trim()).toBe('200');
      }
      const tree = descendants(started.child.pid ?? 0);
      const redisServers = tree.filter((pid) => commandOf(pid) === 'redis-server');
      expect(redisServers).toHaveLength(1);
      started.child.kill('SIGINT');
      expect(await started.exited, started.output.join('')).toBe(0);
      await expect.poll(() => tree.filter(isAlive), { timeout: 15_000 }).toEqual([]);
    },
    180_000,
  );
});
