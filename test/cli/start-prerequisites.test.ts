import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../../runner/redis/private-redis-server.js';
import { isolatedNetworkCommand, itIsolated } from '../helpers/isolated-network.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'runner/cli/main.ts'];
const MODE_VARIABLES = [
  'ZOOM_SIM_URL',
  'ZOOM_ACCOUNT_ID',
  'ZOOM_CLIENT_ID',
  'ZOOM_CLIENT_SECRET',
  'REDIS_URL',
];

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env, API_PORT: '0', ...env };
  for (const name of MODE_VARIABLES) if (!(name in env)) delete out[name];
  return out;
}

function run(args: string[], env: Record<string, string> = {}, isolated = false) {
  const [command, commandArgs] = isolated
    ? isolatedNetworkCommand(process.execPath, [...CLI, ...args])
    : [process.execPath, [...CLI, ...args]];
  const result = spawnSync(command, commandArgs, {
    cwd: repoRoot,
    env: childEnv(env),
    encoding: 'utf8',
    timeout: 45_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    all: result.stdout + result.stderr,
  };
}

// Each run loads the sources through tsx: a few seconds on 2 busy cores. Every case fails before
// anything starts, so none of them leaves a process behind.
describe('start and worker refuse to run without their prerequisites', { timeout: 60_000 }, () => {
  it('Chromium missing: names CHROMIUM_PATH, gives the install command, exits 1, starts nothing', () => {
    const result = run(['start'], { CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Chromium not found: CHROMIUM_PATH=/nonexistent/chromium does not exist');
    expect(result.stderr).toContain('sudo apt-get install -y chromium');
    expect(result.stderr).toContain('[chromium_missing]');
    expect(result.stdout).not.toContain('API:');
  });

  it('a worker with Chromium missing says the same', () => {
    const result = run(['worker'], {
      ZOOM_SIM_URL: 'http://127.0.0.1:1',
      CHROMIUM_PATH: '/nonexistent/chromium',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('sudo apt-get install -y chromium');
    expect(result.stderr).toContain('[chromium_missing]');
  });

  it('REDIS_URL set and not answering: stops with that message, without the password', async () => {
    const port = await freeLoopbackPort();
    const result = run(['start'], { REDIS_URL: `redis://:s3cret-pw@127.0.0.1:${port}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`REDIS_URL=redis://:***@127.0.0.1:${port} does not answer`);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).toContain('[redis_unreachable]');
    expect(result.all).not.toContain('s3cret-pw');
    expect(result.stdout).not.toContain('API:');
  });

  itIsolated(
    'REDIS_URL unset, nothing on the default address and no redis-server on the PATH: the install command',
    () => {
      const result = run(['start'], { PATH: '/nonexistent' }, true);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('nothing answers on redis://127.0.0.1:6379');
      expect(result.stderr).toContain('redis-server is not on the PATH');
      expect(result.stderr).toContain('sudo apt-get install -y redis-server');
      expect(result.stderr).toContain('[redis_server_missing]');
    },
  );

  it('a bad value names its variable and exits 1', () => {
    const mode = run(['start'], { SHUTDOWN_MODE: 'sometimes' });
    expect(mode.status).toBe(1);
    expect(mode.stderr).toMatch(/SHUTDOWN_MODE .*"sometimes"/);
    expect(mode.stderr).toContain('[invalid_config]');
    const port = run(['start'], { API_PORT: 'http' });
    expect(port.status).toBe(1);
    expect(port.stderr).toContain('API_PORT');
  });
});
