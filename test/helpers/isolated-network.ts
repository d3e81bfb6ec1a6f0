import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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

export const canIsolateNetwork: boolean = (() => {
  if (!UNSHARE || !IP) return false;
  const [command, args] = isolatedNetworkCommand('/bin/true', []);
  return spawnSync(command, args, { timeout: 10_000 }).status === 0;
})();
