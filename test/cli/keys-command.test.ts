import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runKeysCommand } from '../../runner/cli/keys-command.js';
import { connectTestRedis } from '../../testkit/redis.js';
import { startApi } from '../api/api-fixture.js';
import { dumpPrefix } from '../queue/queue-fixture.js';

/** `zoom-bot-runner keys` against the Redis of a running API: what it makes is what the API accepts. */
describe('zoom-bot-runner keys', () => {
  async function rig() {
    const api = await startApi({ API_KEYS: '' });
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const lines: string[] = [];
      const code = await runKeysCommand(args, { QUEUE_PREFIX: api.prefix, ...env }, (line) =>
        lines.push(line),
      );
      return { code, lines };
    };
    const status = async (key: string) => {
      const response = await api.call('/v1/bots', { headers: { Authorization: `Bearer ${key}` } });
      await response.body?.cancel();
      return response.status;
    };
    return { api, run, status };
  }

  it('creates a key, printed once and stored only as its SHA-256, that the API accepts for its tenant', async () => {
    const { api, run, status } = await rig();
    const created = await run(
      [
        'create',
        '--tenant',
        'acme',
        '--zoom-users',
        '*@acme.test, U123',
        '--max-live-bots',
        '3',
        '--rate',
        '5/s',
      ],
      { TENANT_RATE_PER_SEC: '7' },
    );
    expect(created.code).toBe(0);
    const [idLine, tenantLine, keyLine, note] = created.lines;
    const id = /^id: +(key-[0-9a-f]{16})$/.exec(idLine ?? '')?.[1] ?? '';
    const key = /^key: +(zbr_[A-Za-z0-9_-]{43})$/.exec(keyLine ?? '')?.[1] ?? '';
    expect(id).not.toBe('');
    expect(key).not.toBe('');
    expect(tenantLine).toBe('tenant: acme');
    expect(note).toContain('shown this once');

    expect(await status(key)).toBe(200);
    const redis = connectTestRedis();
    const stored = await dumpPrefix(redis, api.prefix).finally(() => redis.disconnect());
    expect(stored).not.toContain(key);
    expect(stored).toContain(createHash('sha256').update(key).digest('hex'));

    const listed = await run(['list']);
    expect(listed.lines).toHaveLength(1);
    expect(listed.lines[0]?.split('\t').slice(0, 5)).toEqual([
      id,
      'tenant=acme',
      'zoom-users=*@acme.test,U123',
      'max-live-bots=3',
      'rate=5/s',
    ]);
    expect(listed.lines.join('\n')).not.toContain(key);

    // The defaults come from TENANT_MAX_LIVE_BOTS and TENANT_RATE_PER_SEC; --admin is shown.
    await run(['create', '--tenant', 'ops', '--admin'], { TENANT_RATE_PER_SEC: '7' });
    const second = (await run(['list'])).lines[1]?.split('\t');
    expect(second?.slice(1, 6)).toEqual([
      'tenant=ops',
      'admin',
      'zoom-users=(none)',
      'max-live-bots=100',
      'rate=7/s',
    ]);
  });

  it('revokes a key: the API refuses it from the next request on', async () => {
    const { run, status } = await rig();
    const created = await run(['create', '--tenant', 'acme']);
    const id = created.lines[0]?.split(/ +/)[1] ?? '';
    const key = created.lines[2]?.split(/ +/)[1] ?? '';
    expect(await status(key)).toBe(200);
    expect(await run(['revoke', id])).toEqual({ code: 0, lines: [`revoked ${id}`] });
    expect(await status(key)).toBe(401);
    expect((await run(['list'])).lines[0]).toContain('No API keys in Redis');
    await expect(run(['revoke', id])).rejects.toMatchObject({ code: 'key_not_found' });
  });

  it('bad usage is a usage error naming what is wrong', async () => {
    const { run } = await rig();
    await expect(run(['rotate'])).rejects.toThrow(/keys needs create, list or revoke \(got "rotate"\)/);
    await expect(run(['create'])).rejects.toThrow('keys create needs --tenant NAME');
    await expect(run(['create', '--tenant', 'Acme Corp'])).rejects.toThrow(/--tenant must be 1–32/);
    await expect(run(['create', '--tenant', 'acme', '--rate', 'fast'])).rejects.toThrow(
      /--rate must be a whole number/,
    );
    await expect(run(['create', '--tenant', 'acme', '--max-live-bots', '0'])).rejects.toThrow(
      /--max-live-bots/,
    );
    await expect(run(['create', '--tenant', 'acme', '--zoom-users', 'a b@x.test'])).rejects.toThrow(
      /--zoom-users/,
    );
    await expect(run(['list', '--tenant', 'acme'])).rejects.toThrow('--tenant is for keys create only');
    await expect(run(['revoke'])).rejects.toThrow('keys revoke needs one key ID');
    await expect(run(['list', '--all'])).rejects.toThrow(/Unknown option '--all'/);
    expect((await run(['list'])).lines[0]).toContain('No API keys in Redis');
  });
});
