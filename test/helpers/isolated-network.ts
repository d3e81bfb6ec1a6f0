import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { it, type TestFunction } from 'vitest';

const UNSHARE = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p));
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p));

/**
 * Runs a command in a fresh network namespace with only loopback up: there, nothing answers on
 * 127.0.0.1:6379, as on a machine without Redis running, while the shared test Redis stays up.
 * Needs unprivileged user namespaces (or root) and iproute2.
 */
export function isolatedNetworkCommand(command: string, args: string[]): [string, string[]] {
  if (!UNSHARE || !IP) throw new Error('unshare or ip not found');
  return [UNSHARE, ['-rn', '/bin/sh', '-c', `${IP} link set lo up && exec "$0" "$@"`, command, ...args]];
}

/** Why this machine cannot isolate a network; `undefined` when it can. */
export const isolationProblem: string | undefined = (() => {
  if (!UNSHARE) return 'unshare (util-linux) not found';
  if (!IP) return 'ip (iproute2) not found';
  const [command, args] = isolatedNetworkCommand('/bin/true', []);
  const result = spawnSync(command, args, { timeout: 10_000, encoding: 'utf8' });
  if (result.status === 0) return undefined;
  const why = result.error?.message ?? (result.stderr.trim() || `exit ${result.status ?? result.signal}`);
  return `\`unshare -rn\` failed (${why}): unprivileged user namespaces look disabled`;
})();

export const canIsolateNetwork: boolean = isolationProblem === undefined;

const onCi = (): boolean => {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
};

/**
 * A test that runs a command in an isolated network. Where the machine cannot isolate one it is
 * skipped on a developer's machine, but under CI (`CI` set) it fails and says why: CI must not
 * report as passed a check it never ran.
 */
export function itIsolated(name: string, fn: TestFunction, timeout?: number): void {
  if (canIsolateNetwork) {
    it(name, fn, timeout);
  } else if (onCi()) {
    it(name, () => {
      throw new Error(
        `CI cannot run this test: it needs an isolated network namespace, and ${isolationProblem}. ` +
          'Run CI where `unshare -rn` works (root, or kernel.unprivileged_userns_clone=1 / ' +
          'kernel.apparmor_restrict_unprivileged_userns=0) and iproute2 is installed.',
      );
    });
  } else {
    it.skip(`${name} (skipped: ${isolationProblem})`, fn, timeout);
  }
}
