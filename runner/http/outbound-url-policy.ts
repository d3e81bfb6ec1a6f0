import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { UrlNotAllowedError } from '../zoom/zoom-errors.js';

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface OutboundUrlPolicyOptions {
  /** `OUTBOUND_URL_ALLOWLIST`: origins allowed verbatim. Unset or empty: the public-https default. */
  allowlist?: readonly string[] | undefined;
  /** Injected in tests; `dns.lookup` with `all: true` by default. */
  lookup?: LookupAll;
}

/** Addresses a request from inside the deployment must not reach by default (SSRF). */
const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8],
  ['64:ff9b::', 96], // NAT64 maps onto IPv4, which may be private
  ['2001:db8::', 32],
] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !BLOCKED.check(address, 'ipv4');
  if (family !== 6) return false;
  // IPv4-mapped (`::ffff:10.0.0.1`, or its hex form): judge the IPv4 address inside.
  const mapped = /^::ffff:(?:0+:)?(.+)$/i.exec(address)?.[1];
  if (mapped !== undefined) {
    if (isIP(mapped) === 4) return isPublicAddress(mapped);
    const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(mapped);
    if (hex?.[1] && hex[2]) {
      const n = (Number.parseInt(hex[1], 16) << 16) | Number.parseInt(hex[2], 16);
      return isPublicAddress([24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.'));
    }
    return false;
  }
  return !BLOCKED.check(address, 'ipv6');
}

/**
 * Decides whether the runner may send a webhook or token callback to `raw`. With an allowlist, the
 * URL's origin must be listed (that is how a private receiver is allowed, e.g. `http://10.0.0.5:9000`).
 * Without one: https only, no `localhost`, and every address the name resolves to must be public.
 * The check resolves once; a DNS answer that changes between check and connect is not covered.
 */
export class OutboundUrlPolicy {
  private readonly allowlist: readonly string[];
  private readonly lookup: LookupAll;

  constructor(options: OutboundUrlPolicyOptions = {}) {
    this.allowlist = (options.allowlist ?? []).map((origin) => new URL(origin).origin);
    this.lookup = options.lookup ?? ((hostname) => dnsLookup(hostname, { all: true, verbatim: true }));
  }

  /** Resolves with the parsed URL, or throws `UrlNotAllowedError` saying why (without the query). */
  async check(raw: string): Promise<URL> {
    const { url, host } = this.checkWithoutLookup(raw);
    if (host === undefined || isIP(host) !== 0) return url;
    let addresses: string[];
    try {
      addresses = (await this.lookup(host)).map((a) => a.address);
    } catch {
      throw new UrlNotAllowedError(`${url.origin}: the host name does not resolve`);
    }
    if (addresses.length === 0 || !addresses.every(isPublicAddress)) {
      throw new UrlNotAllowedError(`${url.origin} resolves to a private, loopback or link-local address`);
    }
    return url;
  }

  /**
   * Everything `check` decides without DNS: the scheme, the allowlist, local names and literal
   * addresses. Enough to refuse a request at once; `check` still runs before each delivery.
   * `host` is undefined when the allowlist already admitted the URL.
   */
  checkWithoutLookup(raw: string): { url: URL; host: string | undefined } {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UrlNotAllowedError('Not a valid URL');
    }
    const shown = url.origin;
    if (url.username || url.password)
      throw new UrlNotAllowedError(`${shown}: credentials in URLs are not allowed`);
    if (this.allowlist.length > 0) {
      if (!this.allowlist.includes(url.origin)) {
        throw new UrlNotAllowedError(`${shown} is not in OUTBOUND_URL_ALLOWLIST`);
      }
      return { url, host: undefined };
    }
    if (url.protocol !== 'https:') {
      throw new UrlNotAllowedError(`${shown}: only https is allowed (set OUTBOUND_URL_ALLOWLIST for others)`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local')) {
      throw new UrlNotAllowedError(`${shown}: local host names are not allowed`);
    }
    if (isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new UrlNotAllowedError(`${shown} is a private, loopback or link-local address`);
    }
    return { url, host };
  }
}
