/**
 * The receiver origin of a webhook URL (`https://hooks.example.com:8443`): what deliveries are
 * grouped by for the per-origin concurrency limit and backlog cap, and the only part of a URL that is
 * logged (a path or query may carry the receiver's token, user info a password).
 *
 * Written twice with the same rules, in TypeScript and in Lua (the pump script names each lane
 * item's origin), so both sides group a URL the same way: scheme and host lowercased, user info and
 * the scheme's default port dropped. Unlike `new URL().origin` it does not normalise hosts further
 * (IDN, numeric IPv4 forms): that only splits one receiver's group in two, never merges two.
 */
export function receiverOrigin(url: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\\]*)/.exec(url);
  if (!match?.[1] || match[2] === undefined) return INVALID_ORIGIN;
  const scheme = match[1].toLowerCase();
  let authority = match[2].toLowerCase();
  authority = authority.slice(authority.lastIndexOf('@') + 1);
  const defaultPort = DEFAULT_PORTS[scheme];
  if (defaultPort !== undefined && authority.endsWith(defaultPort)) {
    authority = authority.slice(0, -defaultPort.length);
  }
  return `${scheme}://${authority}`;
}

/** The group of URLs that have no origin (refused at delivery anyway). */
export const INVALID_ORIGIN = 'invalid';

const DEFAULT_PORTS: Record<string, string> = { http: ':80', https: ':443' };

/** `receiverOrigin` as a Lua function `originOf(url)`, for scripts that group lane items. */
export const RECEIVER_ORIGIN_LUA = `
local function originOf(url)
  local scheme, authority = string.match(url, '^(%a[%w%+%.%-]*)://([^/?#\\\\]*)')
  if not scheme then return '${INVALID_ORIGIN}' end
  scheme = string.lower(scheme)
  authority = string.match(string.lower(authority), '([^@]*)$')
  if scheme == 'http' then authority = (string.gsub(authority, ':80$', '')) end
  if scheme == 'https' then authority = (string.gsub(authority, ':443$', '')) end
  return scheme .. '://' .. authority
end
`;
