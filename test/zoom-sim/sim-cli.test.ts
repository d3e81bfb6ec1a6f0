import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_DEFAULTS } from '../../zoom-sim/sim-config.js';

// Only PATH and HOME: the developer's own ZOOM_* variables must not leak into the sim under test.
const CLEAN_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

function runSim(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'runner/cli/main.ts', 'sim', ...args], {
    env: CLEAN_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a stream's text; resolves `waitFor` once a line matches. */
function collect(child: ChildProcess) {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    out: () => stdout,
    err: () => stderr,
    async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no ${pattern} in stdout: ${stdout}\nstderr: ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

describe('zoom-bot-runner sim (CLI)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  it('starts on --port 0, answers /oauth/token, and exits 0 on SIGTERM', async () => {
    child = runSim(['--port', '0']);
    const output = collect(child);
    const [, url] = await output.waitFor(/zoom-sim listening on (http:\/\/\S+)/);
    const basic = Buffer.from(`${SIM_DEFAULTS.ZOOM_CLIENT_ID}:${SIM_DEFAULTS.ZOOM_CLIENT_SECRET}`).toString(
      'base64',
    );
    const res = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=account_credentials&account_id=${SIM_DEFAULTS.ZOOM_ACCOUNT_ID}`,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { token_type: string }).token_type).toBe('bearer');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it('exits 2 with a message for --port abc', async () => {
    child = runSim(['--port', 'abc']);
    const output = collect(child);
    // 'close' rather than 'exit': stderr is fully read only once the pipes close.
    const [code] = await once(child, 'close');
    expect(code).toBe(2);
    expect(output.err()).toMatch(/--port must be a whole number/);
  });
});
