import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPoolCommand } from '../../runner/cli/pool-command.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';
import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { accessToken, api } from '../zoom-sim/rest-helpers.js';

describe('zoom-bot-runner pool', () => {
  const prefix = uniquePrefix();
  let sim: RunningSim;
  let user: { id: string; email: string };

  beforeAll(async () => {
    sim = await startTestSim();
    const token = await accessToken(sim);
    const created = await api(sim, token, '/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'custCreate', user_info: { email: 'Pool.Bot1@example.com', type: 1 } }),
    });
    user = (await created.json()) as { id: string; email: string };
  });

  afterAll(async () => {
    await sim?.close();
    const redis = connectTestRedis();
    await deletePrefix(redis, prefix);
    redis.disconnect();
  });

  const run = async (args: string[], env: Record<string, string> = { ZOOM_SIM_URL: sim.url }) => {
    const lines: string[] = [];
    const code = await runPoolCommand(args, { QUEUE_PREFIX: prefix, ...env }, (line) => lines.push(line));
    return { code, lines };
  };

  it('adds a user of the account by email, as its id, and lists it with its load', async () => {
    expect((await run(['list'])).lines).toEqual([
      'The pool is empty. Add users with: zoom-bot-runner pool add USER...',
    ]);
    expect(await run(['add', 'pool.bot1@example.com'])).toEqual({
      code: 0,
      lines: [`added ${user.id} (${user.email})`],
    });
    // The same user by id: still one member, so id and email never count as two users in a meeting.
    await run(['add', user.id]);
    expect((await run(['list'])).lines).toEqual([`${user.id}\t0 bot(s)`]);
  });

  it('refuses a user the account does not have, adding none of the others', async () => {
    await expect(run(['add', user.id, 'nobody@example.com'])).rejects.toMatchObject({
      code: 'zoom_user_not_found',
    });
    const other = await run(['list']);
    expect(other.lines.every((line) => !line.includes('nobody'))).toBe(true);
  });

  it('adding needs a mode; listing and removing only Redis', async () => {
    await expect(run(['add', user.id], {})).rejects.toMatchObject({ code: 'invalid_config' });
    expect(await run(['remove', user.id], {})).toEqual({ code: 0, lines: [`removed ${user.id}`] });
    expect((await run(['remove', user.id], {})).lines).toEqual([`${user.id} was not in the pool`]);
    expect((await run(['list'], {})).lines[0]).toContain('The pool is empty');
  });

  it('takes a user id that begins with a dash as a user, not an option', async () => {
    // Zoom ids are base64url: one in 64 begins with '-' (a CI run once drew one from the sim).
    expect(await run(['remove', '-cxVK-wldsI1eNK6bJ97Cw'], {})).toEqual({
      code: 0,
      lines: ['-cxVK-wldsI1eNK6bJ97Cw was not in the pool'],
    });
    await expect(run(['remove', '-x'], {})).rejects.toThrow("Unknown option '-x'");
  });

  it('bad usage is a usage error naming what is wrong', async () => {
    await expect(run(['grow'])).rejects.toThrow(
      /pool needs list, add, remove, create or picture \(got "grow"\)/,
    );
    await expect(run(['add'])).rejects.toThrow('pool add needs at least one USER');
    await expect(run(['list', '--all'])).rejects.toThrow("Unknown option '--all'");
  });
});
