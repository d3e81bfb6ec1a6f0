import { PARTICIPANT_SOCKET_PATH } from '../protocol.js';

/**
 * The participant socket URL for the SDK's `webEndpoint` option, which carries the sim's address:
 * either a bare `host:port` (as Zoom's own option is written, e.g. `zoom.us`) or a full origin
 * (`http://127.0.0.1:9090`). A bare address uses `wss:` on an https page and `ws:` otherwise, since
 * the sim itself serves plain HTTP.
 */
export function participantSocketUrl(
  webEndpoint: string | undefined,
  pageProtocol: string | undefined,
): string {
  const raw = (webEndpoint ?? 'zoom.us').trim().replace(/\/+$/, '');
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw);
  const url = new URL(hasScheme ? raw : `${pageProtocol === 'https:' ? 'https' : 'http'}://${raw}`);
  if (url.protocol === 'https:' || url.protocol === 'wss:') url.protocol = 'wss:';
  else if (url.protocol === 'http:' || url.protocol === 'ws:') url.protocol = 'ws:';
  else throw new Error(`webEndpoint must be host[:port] or an http(s) origin, not ${url.protocol}`);
  url.pathname = PARTICIPANT_SOCKET_PATH;
  url.search = '';
  url.hash = '';
  return url.toString();
}
