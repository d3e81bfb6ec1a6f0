import { SimEmbeddedClient } from './embedded-client.js';

/**
 * zoom-sim's stand-in for `@zoom/meetingsdk/embedded`: the page's Vite build aliases the package to
 * this file in sim mode. Same default export shape: `createClient()`, `destroyClient()`, `VERSION`.
 */
let client: SimEmbeddedClient | undefined;

/** The SDK version the runner is written against, marked as the sim's. */
const VERSION = '6.2.0-zoom-sim';

/** Like the real SDK, one client per page: later calls return the same client. */
function createClient(): SimEmbeddedClient {
  client ??= new SimEmbeddedClient();
  return client;
}

function destroyClient(): void {
  client?.destroy();
  client = undefined;
}

const ZoomMtgEmbedded = { createClient, destroyClient, VERSION };
export default ZoomMtgEmbedded;
export { SimEmbeddedClient };
