import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const name of ['ZOOM_SIM_URL', 'ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET']) {
    if (!(name in env)) delete childEnv[name];
  }
  return spawnSync(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', ...args], {
    cwd: repoRoot,
    env: childEnv,
    encoding: 'utf8',
    timeout: 30_000,
  });
}

// Each CLI run loads the TypeScript sources through tsx: a few seconds each on 2 busy cores.
describe('the api and start commands', { timeout: 60_000 }, () => {
  it('list themselves and answer --help', () => {
    expect(cli(['--help']).stdout).toMatch(/start .*\n.*api /s);
    for (const command of ['api', 'start']) {
      const result = cli([command, '--help']);
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`Usage: zoom-bot-runner ${command}`);
      expect(result.stdout).toContain('API_KEYS');
    }
  });

  it('api refuses to start without a mode, naming what to set', () => {
    const result = cli(['api']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("'api' needs a Zoom mode: set ZOOM_SIM_URL");
  });

  it('start refuses a partial set of Zoom credentials, naming what is missing', () => {
    const result = cli(['start'], { ZOOM_ACCOUNT_ID: 'acct', ZOOM_CLIENT_ID: 'client' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ZOOM_CLIENT_SECRET');
  });
});
