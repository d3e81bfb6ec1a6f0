/**
 * `npm test`'s first step: a fresh machine needs nothing but `npm ci && npm test`. Installs Chromium and
 * Redis when missing and this process may (root with apt-get, as in containers and CI), otherwise
 * stops with the one command to run; then makes sure the shared test Redis answers. Takes well under
 * a second when everything is there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PrerequisiteError } from '../runner/lifecycle/prerequisite-error.js';
import { findOnPath, runCommand } from '../runner/lifecycle/system-host.js';
import { DEFAULT_CHROMIUM_PATH, ensureSystemPackages } from '../runner/lifecycle/system-packages.js';
import { pingRedis } from '../runner/redis/redis-ping.js';
import { TEST_REDIS_URL } from './redis.js';

const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';
const REDIS_LOG = '/tmp/zbr-test-redis.log';
/** A daemonized redis-server answers within ~100 ms; 5 s covers a loaded CI machine. */
const REDIS_READY_MS = 5_000;

const log = (line: string) => process.stderr.write(`prepare-machine: ${line}\n`);

/** The tests use Redis at TEST_REDIS_URL; at the default address, one is started when none answers. */
async function ensureTestRedis(): Promise<void> {
  const first = await pingRedis(TEST_REDIS_URL, 1_000);
  if (first.ok) return;
  if (TEST_REDIS_URL !== DEFAULT_TEST_REDIS_URL) {
    throw new PrerequisiteError(
      'redis_unreachable',
      `TEST_REDIS_URL=${TEST_REDIS_URL} does not answer (${first.reason}). Start Redis there or unset it.`,
    );
  }
  const binary = findOnPath('redis-server') ?? 'redis-server';
  log(
    `starting redis-server on 127.0.0.1:6379: nothing answers there and the tests need it (log: ${REDIS_LOG})`,
  );
  // Daemonized and keeping nothing on disk, as a CI service would: it outlives this step for the suites.
  const args = ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', ''];
  const started = await runCommand(
    binary,
    [...args, '--appendonly', 'no', '--logfile', REDIS_LOG],
    process.env,
  );
  if (started.exitCode !== 0) {
    throw new PrerequisiteError(
      'redis_server_missing',
      `redis-server did not start (exit code ${started.exitCode}${started.spawnError ? `, ${started.spawnError.message}` : ''}): ${started.output.trim()}`,
    );
  }
  const deadline = Date.now() + REDIS_READY_MS;
  for (;;) {
    const ping = await pingRedis(DEFAULT_TEST_REDIS_URL, 500);
    if (ping.ok) return;
    if (Date.now() > deadline) {
      throw new PrerequisiteError(
        'redis_unreachable',
        `redis-server started but 127.0.0.1:6379 does not answer after ${REDIS_READY_MS / 1000} s (${ping.reason}); see ${REDIS_LOG}.`,
      );
    }
    await sleep(100);
  }
}

try {
  await ensureSystemPackages(
    { chromiumPath: process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH, redisServer: true, redisCli: true },
    { log },
  );
  await ensureTestRedis();
} catch (error) {
  const code = error instanceof PrerequisiteError ? ` [${error.code}]` : '';
  log(`cannot run the tests${code}: ${(error as Error).message}`);
  process.exit(1);
}
