import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePageBuilds } from '../../runner/web/page-build.js';
import { botViewSchema } from '../../shared/bot-view.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { isAlive } from '../helpers/worker-process.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const ZOOM_VARIABLES = [
  'ZOOM_SIM_URL',
  'ZOOM_ACCOUNT_ID',
  'ZOOM_CLIENT_ID',
  'ZOOM_CLIENT_SECRET',
  'ZOOM_SDK_KEY',
  'ZOOM_SDK_SECRET',
  'API_KEYS',
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

/** The `curl` the banner prints, taken apart into what `fetch` needs. */
function parseCurl(output: string): { url: string; authorization: string; body: string } | undefined {
  const match = /curl -sS -X POST (\S+\/v1\/bots) -H 'Authorization: ([^']+)' .* -d '([^']+)'/.exec(output);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { url: match[1], authorization: match[2], body: match[3] };
}

describe('zoom-bot-runner start, with no Zoom configured', () => {
  const prefix = uniquePrefix();
  let child: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    await ensurePageBuilds(['sim']);
  }, 180_000);

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  it('prints the API, a key and a curl; the bot it adds gets in; SIGINT exits 0 and leaves no Chromium', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, API_PORT: '0', QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
    for (const name of ZOOM_VARIABLES) delete env[name];
    const started = spawn(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', 'start'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => output.push(String(chunk)));
    started.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));

    await expect.poll(() => parseCurl(output.join('')), { timeout: 60_000, interval: 200 }).toBeDefined();
    const text = output.join('');
    expect(text).toContain('embedded zoom-sim');
    expect(text).toMatch(/_sim\/meetings\/\d+\/participants\/<participant id>\/drop/);
    const curl = parseCurl(text);
    if (!curl) throw new Error(`no curl in: ${text}`);
    expect(curl.authorization).toMatch(/^Bearer zbr_/);
    const login = /Dashboard: (\S+)\s+user (\S+), password (\S+) /.exec(text);
    if (!login?.[1]) throw new Error(`no dashboard login in: ${text}`);
    const basic = `Basic ${Buffer.from(`${login[2]}:${login[3]}`).toString('base64')}`;
    expect((await fetch(login[1], { headers: { Authorization: basic } })).status).toBe(200);

    const created = await fetch(curl.url, {
      method: 'POST',
      headers: { Authorization: curl.authorization, 'Content-Type': 'application/json' },
      body: curl.body,
    });
    expect(created.status).toBe(201);
    const bot = botViewSchema.parse(await created.json());
    const state = async () => {
      const response = await fetch(`${curl.url}/${bot.id}`, {
        headers: { Authorization: curl.authorization },
      });
      return botViewSchema.parse(await response.json()).state;
    };
    await expect.poll(state, { timeout: 45_000, interval: 500 }).toBe('in_meeting');

    const tree = descendants(started.pid ?? 0);
    expect(tree.length).toBeGreaterThan(0);
    started.kill('SIGINT');
    expect(await exited, output.join('')).toBe(0);
    await expect.poll(() => tree.filter(isAlive), { timeout: 10_000 }).toEqual([]);
  }, 150_000);
});
