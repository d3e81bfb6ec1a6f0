import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { UrlNotAllowedError } from './url-not-allowed-error.js';

export type LookupAll = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** One address a host name resolved to, checked: what a pinned connection may connect to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** What `check` admitted: the URL, and for a host name the checked addresses to connect to. */
export interface OutboundTarget {
  url: URL;
  /**
   * The addresses the host name resolved to, every one checked: connect to these and nothing else
   * (`postSigned`'s `connectTo`), never to a second DNS answer. Undefined when no DNS was involved:
   * an allowlisted origin, or a literal (checked) address.
   */
  connectTo: readonly ResolvedAddress[] | undefined;
}

export interface OutboundUrlPolicyOptions {
  /** `OUTBOUND_URL_ALLOWLIST`: origins allowed verbatim. Unset or empty: the public-https default. */
  allowlist?: readonly string[] | undefined;
  /** Injected in tests; `dns.lookup` with `all: true` by default. */
  lookup?: LookupAll;
}

/**
 * IPv4 addresses a request from inside the deployment must not reach by default (SSRF): every range
 * of IANA's special-purpose registry that is not globally reachable, cloud metadata included.
 */
const BLOCKED_V4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT (Alibaba's metadata 100.100.100.200)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments (Oracle's metadata 192.0.0.192)
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and 255.255.255.255
] as const) {
  BLOCKED_V4.addSubnet(net, bits, 'ipv4');
}

/** IPv6 outside global unicast (::, ::1, fc00::/7, fe80::/10, ff00::/8, ::/96 …) is never public. */
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');

/** Special ranges inside global unicast. */
const BLOCKED_V6 = new BlockList();
for (const [net, bits] of [
  ['2001::', 23], // IETF protocol assignments: Teredo 2001::/32, benchmarking, ORCHID
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
] as const) {
  BLOCKED_V6.addSubnet(net, bits, 'ipv6');
}

/** The eight 16-bit groups of a valid IPv6 address (as `isIP` accepts it, without a zone). */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
    text = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => Number.parseInt(group, 16)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const zeros = 8 - head.length - tail.length;
  if (halves.length > 2 || zeros < 0 || (halves.length === 1 && zeros !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? zeros : 0).fill(0), ...tail];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

const ipv4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * Whether an address (as `new URL()` normalises it, or as DNS answers) is globally reachable. IPv6
 * forms that carry an IPv4 address are judged by that address: IPv4-mapped `::ffff:a.b.c.d`, NAT64
 * `64:ff9b::a.b.c.d` (what DNS64 answers in an IPv6-only cluster) and 6to4 `2002:aabb:ccdd::/48`.
 * IPv4-compatible `::a.b.c.d`, the IPv4-translated `::ffff:0:a.b.c.d` and Teredo are refused outright.
 */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !BLOCKED_V4.check(address, 'ipv4');
  // A zone (`fe80::1%eth0`) only goes with link-local addresses.
  if (family !== 6 || address.includes('%')) return false;
  const g = ipv6Groups(address);
  if (!g) return false;
  const zerosUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zerosUpTo(5) && g[5] === 0xffff) return isPublicAddress(ipv4Of(g[6] ?? 0, g[7] ?? 0));
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return isPublicAddress(ipv4Of(g[6] ?? 0, g[7] ?? 0));
  }
  if (g[0] === 0x2002) return isPublicAddress(ipv4Of(g[1] ?? 0, g[2] ?? 0));
  return GLOBAL_UNICAST_V6.check(address, 'ipv6') && !BLOCKED_V6.check(address, 'ipv6');
}

/**
 * Decides whether the runner may send a webhook or token callback to `raw`. With an allowlist, the
 * URL's origin must be listed (that is how a private receiver is allowed, e.g. `http://10.0.0.5:9000`).
 * Without one: https only, no `localhost`, and every address the name resolves to must be public.
 * The name is resolved once, here; the request then connects to those checked addresses only
 * (`OutboundTarget.connectTo`, `postSigned`), so a DNS answer that changes after the check (DNS
 * rebinding) is never connected to. Literal addresses in any form the WHATWG URL parser accepts
 * (`0x7f.1`, `2130706433`, `0177.0.0.1`, `127.1`, `[::ffff:127.0.0.1]`) are checked as it normalises them.
 */
export class OutboundUrlPolicy {
  private readonly allowlist: readonly string[];
  private readonly lookup: LookupAll;

  constructor(options: OutboundUrlPolicyOptions = {}) {
    this.allowlist = (options.allowlist ?? []).map((origin) => new URL(origin).origin);
    this.lookup = options.lookup ?? ((hostname) => dnsLookup(hostname, { all: true, verbatim: true }));
  }

  /**
   * Resolves with the parsed URL and, for a host name, the addresses to connect to (all checked), or
   * throws `UrlNotAllowedError` saying why (without the query).
   */
  async check(raw: string): Promise<OutboundTarget> {
    const { url, host } = this.checkWithoutLookup(raw);
    if (host === undefined || isIP(host) !== 0) return { url, connectTo: undefined };
    let answers: { address: string }[];
    try {
      answers = await this.lookup(host);
    } catch {
      throw new UrlNotAllowedError(`${url.origin}: the host name does not resolve`);
    }
    const connectTo = answers.map(
      ({ address }) => ({ address, family: isIP(address) === 6 ? 6 : 4 }) as const,
    );
    if (connectTo.length === 0 || !connectTo.every(({ address }) => isPublicAddress(address))) {
      throw new UrlNotAllowedError(`${url.origin} resolves to a private, loopback or link-local address`);
    }
    return { url, connectTo };
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
    const name = host.replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.local')) {
      throw new UrlNotAllowedError(`${shown}: local host names are not allowed`);
    }
    if (isIP(host) !== 0 && !isPublicAddress(host)) {
      throw new UrlNotAllowedError(`${shown} is a private, loopback or link-local address`);
    }
    return { url, host };
  }
}
