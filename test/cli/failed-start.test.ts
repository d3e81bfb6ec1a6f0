import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../../runner/redis/private-redis-server.js';
import { startTestSim } from '../../testkit/sim.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { isolatedNetworkCommand, itIsolated } from '../helpers/isolated-network.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const CLI = ['--import', 'tsx', 'runner/cli/main.ts'];

/** Processes whose command line mentions `text` (a test's own temp dir), wherever they were reparented. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/**
 * The commands as an operator runs them. A process that failed to start must exit by itself: Node
 * exits only once nothing is left open, so a leaked socket, server or timer shows as a hang here.
 */
describe('a command whose start fails part-way exits by itself with its message', { timeout: 90_000 }, () => {
  let sim: RunningSim;
  let held: Server;
  let port: number;
  let dir: string;
  let brokenChromium: string;

  beforeAll(async () => {
    sim = await startTestSim();
    port = await freeLoopbackPort();
    held = createServer();
    await new Promise<void>((resolve) => held.listen(port, '0.0.0.0', resolve));
    dir = mkdtempSync(path.join(tmpdir(), 'zbr-failed-cli-'));
    brokenChromium = path.join(dir, 'chromium');
    writeFileSync(brokenChromium, '#!/bin/sh\necho "chromium: cannot open shared libraries" >&2\nexit 127\n');
    chmodSync(brokenChromium, 0o755);
  });

  afterAll(async () => {
    await new Promise((resolve) => held?.close(resolve));
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function run(args: string[], env: Record<string, string>, isolated = false) {
    const [command, commandArgs] = isolated
      ? isolatedNetworkCommand(process.execPath, [...CLI, ...args])
      : [process.execPath, [...CLI, ...args]];
    const childEnv: NodeJS.ProcessEnv = { ...process.env, API_PORT: '0', LOG_LEVEL: 'warn', ...env };
    if (!('REDIS_URL' in env)) delete childEnv.REDIS_URL;
    if (!('ZOOM_SIM_URL' in env)) delete childEnv.ZOOM_SIM_URL;
    // Asynchronous: the sim these commands talk to runs in this process and must keep answering.
    const child = spawn(command, commandArgs, { cwd: repoRoot, env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += String(chunk);
    });
    // Well past a normal failed start (a few seconds): only a process kept alive by a leak gets here.
    const hang = setTimeout(() => child.kill('SIGKILL'), 45_000);
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('close', (code, killedBy) => resolve([code, killedBy])),
    );
    clearTimeout(hang);
    return { status, signal, stdout, stderr };
  }

  it('api with API_PORT taken', async () => {
    const result = await run(['api'], {
      ZOOM_SIM_URL: sim.url,
      API_PORT: String(port),
      QUEUE_PREFIX: 'zbr-failed-api',
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`API_PORT=${port} cannot be served (EADDRINUSE)`);
    expect(result.stderr).toContain('[port_in_use]');
  });

  it('worker whose Chromium cannot launch, after Redis and its HTTP server started', async () => {
    const result = await run(['worker'], {
      ZOOM_SIM_URL: sim.url,
      CHROMIUM_PATH: brokenChromium,
      QUEUE_PREFIX: 'zbr-failed-worker',
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Chromium at CHROMIUM_PATH=${brokenChromium} could not be launched`);
    expect(result.stderr).toContain('[chromium_unusable]');
  });

  itIsolated(
    'start with its private redis-server and embedded sim running when Chromium fails: the redis-server and its directory are gone',
    async () => {
      const runTmp = mkdtempSync(path.join(dir, 'tmp-'));
      const result = await run(['start'], { CHROMIUM_PATH: brokenChromium, TMPDIR: runTmp }, true);
      expect(result.signal).toBeNull();
      expect(result.status).toBe(1);
      expect(result.stdout).toContain('running a private redis-server for this run');
      expect(result.stderr).toContain('[chromium_unusable]');
      expect(result.stdout).not.toContain('API:');
      // The private redis-server ran with `--dir <runTmp>/zbr-redis-…`: no such process, no such dir.
      expect(processesMentioning(runTmp)).toEqual([]);
      expect(readdirSync(runTmp).filter((name) => name.startsWith('zbr-redis-'))).toEqual([]);
    },
  );
});
