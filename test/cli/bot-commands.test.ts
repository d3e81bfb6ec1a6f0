import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { jobCryptoFromKey } from '../../runner/queue/job-crypto.js';
import { parseJobData } from '../../runner/queue/job-data.js';
import { connectTestRedis, deletePrefix, uniquePrefix } from '../../testkit/redis.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const prefix = uniquePrefix();
const redis = connectTestRedis();

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const JOB_KEY = 'cli-test-job-key-0123456789abcdef0123';

/**
 * The passcode as the job holds it: never in clear in Redis, and the worker (with the job key) opens
 * it to what was given.
 */
async function expectSealedPasscode(id: string, passcode: string): Promise<void> {
  const raw = await redis.hget(`${prefix}:bots:${id}`, 'data');
  expect(raw).toEqual(expect.any(String));
  expect(raw).not.toContain(passcode);
  const opened = parseJobData(id, JSON.parse(raw as string), jobCryptoFromKey(JOB_KEY));
  expect(opened).toMatchObject({ ok: true, request: { passcode } });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI from source, as a user runs it: a child process with the runner's environment. */
function cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', ...args], {
      cwd: repoRoot,
      env: { ...process.env, QUEUE_PREFIX: prefix, JOB_ENCRYPTION_KEY: JOB_KEY, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('CLI: enqueue, status, leave', () => {
  it('queues a bot with the passcode from an environment variable, never echoing it', async () => {
    const run = await cli(
      ['enqueue', '--meeting', '812 3456 7890', '--name', 'CLI Bot', '--passcode-env', 'MEETING_PASSCODE'],
      { MEETING_PASSCODE: 'env-secret-123' },
    );
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await expectSealedPasscode(id, 'env-secret-123');
    const status = await cli(['status', id]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id, state: 'queued', displayName: 'CLI Bot' });
    expect(status.stdout + status.stderr + run.stderr).not.toContain('env-secret-123');
    const leave = await cli(['leave', id]);
    expect(leave.stdout).toContain('ended left_by_request');
  }, 60_000);

  it('reads the passcode from standard input', async () => {
    const run = await cli(
      ['enqueue', '--meeting', '81234567891', '--name', 'Stdin Bot', '--passcode-stdin'],
      {},
      'stdin-secret\n',
    );
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    await expectSealedPasscode(id, 'stdin-secret');
    expect((await cli(['status', id])).stdout).not.toContain('stdin-secret');
    await cli(['leave', id]);
  }, 60_000);

  it('follows a bot until it ends', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'runner/cli/main.ts',
        'enqueue',
        '--meeting',
        '81234567892',
        '--name',
        'Followed',
        '--follow',
      ],
      { cwd: repoRoot, env: { ...process.env, QUEUE_PREFIX: prefix, JOB_ENCRYPTION_KEY: JOB_KEY } },
    );
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    // The bot id is the first line printed; leave the bot from a second CLI call.
    await expect.poll(() => stdout.includes('\n'), { timeout: 30_000 }).toBe(true);
    const id = stdout.split('\n')[0] ?? '';
    await cli(['leave', id]);
    expect(await exited).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(id);
    expect(lines.at(-1)).toMatch(/ ended left_by_request$/);
  }, 60_000);

  it('acts as --tenant: a bot of another tenant is not found', async () => {
    const run = await cli([
      'enqueue',
      '--meeting',
      '81234567893',
      '--name',
      'Acme Bot',
      '--auth',
      'none',
      '--tenant',
      'acme',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const id = run.stdout.trim();
    const asDefault = await cli(['status', id]);
    expect(asDefault.code).toBe(1);
    expect(asDefault.stderr).toContain('not_found');
    expect((await cli(['leave', id])).stderr).toContain('not_found');
    const asAcme = await cli(['status', id, '--tenant', 'acme']);
    expect(JSON.parse(asAcme.stdout)).toMatchObject({ id, tenant: 'acme', state: 'queued' });
    expect((await cli(['leave', '--tenant', 'acme', id])).stdout).toContain('ended left_by_request');
  }, 60_000);

  it('refuses bad input naming the field, and unknown bots', async () => {
    const bad = await cli(['enqueue', '--meeting', '123', '--name', 'X']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('meetingNumber');
    const missing = await cli(['status', '00000000-0000-0000-0000-000000000000']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('not_found');
    const unknownFlag = await cli(['enqueue', '--passcode', 'x']);
    expect(unknownFlag.code).toBe(2);
  }, 60_000);
});
