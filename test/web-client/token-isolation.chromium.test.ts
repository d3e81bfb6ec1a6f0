import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecretLeaked, joinThroughRealSdk } from '../helpers/real-sdk-page.js';
import { useRealSdkRig } from '../helpers/real-sdk-rig.js';

/**
 * A bot page may end up hosting third-party iframes (Zoom's own apps, a hostile meeting chat link).
 * Tokens handed to the page must stay in its main frame and the SDK: unreachable from another origin,
 * and in no URL, console line or runner log line.
 */
const MEETING = '81234567890';
// The frame listens for anything posted to it and keeps it where the test can look.
const FRAME_HTML = `<!doctype html><meta charset="utf-8"><script>
  window.received = [];
  addEventListener('message', (e) => { window.received.push(JSON.stringify(e.data)); });
</script><p>third party</p>`;

const rig = useRealSdkRig();
let foreign: Server;
let foreignOrigin: string;

beforeAll(async () => {
  foreign = createServer((_req, res) => {
    // A cross-origin document may be framed by a COEP page only if it opts in the same way.
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'cross-origin',
    });
    res.end(FRAME_HTML);
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => foreign?.close(resolve));
});

describe('tokens handed to the bot page', () => {
  it('are unreachable from a cross-origin iframe and appear in no URL, console or log line', async () => {
    const zak = await rig.zoom.clients.meetingTokens.mintZak(rig.zoom.clients.credentials.botUser ?? '');
    const signature = await rig.zoom.clients.signatures.sign(MEETING);
    const passcode = 'secret-passcode-42';
    let frame: Frame | undefined;
    const { page, seen, logLines } = await joinThroughRealSdk({
      browser: rig.browser,
      pagesOrigin: rig.pages.origin,
      allowOrigins: [foreignOrigin],
      params: {
        meetingNumber: MEETING,
        signature,
        userName: 'Isolated Bot',
        password: passcode,
        zak,
        customerKey: 'iso',
      },
      answer: { status: false, errorCode: 3001, errorMessage: 'Meeting does not exist.' },
      // The iframe is there before the join parameters arrive, listening.
      beforeJoin: async (botPage) => {
        const raw = botPage.puppeteerPage;
        const loaded = new Promise<Frame>((resolve) => {
          raw.on('framenavigated', (f) => {
            if (f.url().startsWith(foreignOrigin)) resolve(f);
          });
        });
        await raw.evaluate((src) => {
          const iframe = document.createElement('iframe');
          iframe.src = src;
          document.body.append(iframe);
        }, `${foreignOrigin}/frame.html`);
        frame = await loaded;
        await frame.waitForFunction(() => 'received' in window);
      },
    });
    if (!frame) throw new Error('iframe never loaded');

    const probe = await frame.evaluate(() => {
      const result: Record<string, string> = {};
      try {
        result.parentBot = window.parent.zbrBot ? 'reachable' : 'absent';
      } catch {
        result.parentBot = 'blocked';
      }
      try {
        result.parentStorage = String(window.parent.sessionStorage.length);
      } catch {
        result.parentStorage = 'blocked';
      }
      try {
        result.parentDocument = window.parent.document.documentElement.outerHTML;
      } catch {
        result.parentDocument = 'blocked';
      }
      result.ownState = JSON.stringify({
        session: { ...sessionStorage },
        local: { ...localStorage },
        cookie: document.cookie,
        name: window.name,
        href: location.href,
        received: (window as unknown as { received: string[] }).received,
      });
      return result;
    });
    expect(probe).toMatchObject({
      parentBot: 'blocked',
      parentStorage: 'blocked',
      parentDocument: 'blocked',
    });
    for (const secret of [zak, signature, passcode]) expect(probe.ownState).not.toContain(secret);
    expectNoSecretLeaked([zak, signature, passcode], seen, logLines);
    await page.close();
  });
});
