import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import type { ResolvedAddress } from './outbound-url-policy.js';

/**
 * An undici `Agent` that connects to `addresses` only (the ones the outbound URL policy resolved and
 * checked), whatever the host name resolves to by the time the socket opens: no second DNS lookup,
 * so no DNS-rebinding window. The URL's host name still names the server: TLS SNI and certificate
 * check, and the `Host` header. Made for one request; the caller destroys it afterwards, so no
 * pooled connection outlives the addresses it was checked for.
 */
export function pinnedAgent(addresses: readonly ResolvedAddress[]): Agent {
  const [first] = addresses;
  if (first === undefined) throw new Error('pinnedAgent: no address to connect to');
  // Node asks with `all: true` when it tries several addresses (autoSelectFamily), else for one.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all)
      callback(
        null,
        addresses.map(({ address, family }) => ({ address, family })),
      );
    else callback(null, first.address, first.family);
  };
  return new Agent({ connect: { lookup } });
}
