import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrerequisiteError } from '../lifecycle/prerequisite-error.js';
import { pingRedis } from './redis-ping.js';

export const REDIS_INSTALL_HINT =
  'Install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_URL to a running Redis.';

export interface PrivateRedisServer {
  readonly url: string;
  readonly pid: number;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** A loopback port nothing listens on right now (the OS picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * A redis-server from the PATH for one `start` run, on a free loopback port, keeping nothing on
 * disk: the first run works on a machine with Redis installed but not running. It is this process's
 * child and stops with it (also on an uncaught exit; a kill -9 of the runner leaves it to the OS).
 */
export async function startPrivateRedisServer(binary = 'redis-server'): Promise<PrivateRedisServer> {
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(path.join(tmpdir(), 'zbr-redis-'));
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--protected-mode',
      'yes',
    ],
    // Its own process group: a terminal's Ctrl-C must not stop it before the runner's shutdown has used it.
    { stdio: ['ignore', 'ignore', 'ignore'], detached: true },
  );
  const spawnFailure = new Promise<Error>((resolve) => child.once('error', resolve));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    child.kill('SIGTERM');
    await exited(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const failed = await Promise.race([spawnFailure, new Promise<undefined>((r) => setTimeout(r, 100))]);
    if (failed) {
      process.removeListener('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
      if ((failed as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new PrerequisiteError(
          'redis_server_missing',
          `redis-server is not on the PATH. ${REDIS_INSTALL_HINT}`,
        );
      }
      throw new PrerequisiteError(
        'redis_server_missing',
        `redis-server could not be started (${failed.message}).`,
      );
    }
    if (child.exitCode !== null) break;
    if ((await pingRedis(url, 500)).ok) return { url, pid: child.pid ?? -1, stop };
  }
  await stop();
  throw new PrerequisiteError('redis_server_missing', `redis-server did not answer on ${url} within 10 s.`);
}
