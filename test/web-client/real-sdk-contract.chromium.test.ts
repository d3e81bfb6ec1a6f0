import { describe, expect, it } from 'vitest';
import { MEETING_SDK_EVENTS } from '../../web-client/src/meeting-events.js';
import { expectNoSecretLeaked, joinThroughRealSdk } from '../helpers/real-sdk-page.js';
import { useRealSdkRig } from '../helpers/real-sdk-rig.js';

/**
 * The real @zoom/meetingsdk runs in Chromium up to its first request to Zoom, `POST
 * https://zoom.us/api/v1/wc/info`, which this test intercepts: what it carries is what Zoom would get.
 */
const MEETING = '81234567890';
const NAME = 'Zoë Notetaker 会议 🤖';
const PASSCODE = 'pa55-w0rd';

const rig = useRealSdkRig();

describe('real Meeting SDK: what reaches Zoom', () => {
  it('sends our meeting number, display name, passcode, signature and ZAK, and reports the refusal', async () => {
    const zak = await rig.zoom.clients.meetingTokens.mintZak(rig.zoom.clients.credentials.botUser ?? '');
    const signature = await rig.zoom.clients.signatures.sign(MEETING);
    const { page, log, form, result, seen, logLines } = await joinThroughRealSdk({
      browser: rig.browser,
      pagesOrigin: rig.pages.origin,
      params: {
        meetingNumber: MEETING,
        signature,
        userName: NAME,
        password: PASSCODE,
        zak,
        customerKey: 'bot-contract-1',
      },
      answer: { status: false, errorCode: 3001, errorMessage: 'Meeting does not exist.' },
    });

    // The page is the real-SDK build, served cross-origin isolated as the SDK's media workers need.
    expect(page.ready).toEqual({ type: 'ready', sdk: 'zoom', crossOriginIsolated: true });
    expect(form.get('meetingNumber')).toBe(MEETING);
    expect(form.get('userName')).toBe(NAME);
    expect(form.get('passWord')).toBe(PASSCODE);
    expect(form.get('signature')).toBe(signature);
    expect(form.get('ztk')).toBe(zak);
    expect(form.get('apiKey')).toBe(rig.zoom.clients.credentials.sdkKey);
    expect(form.get('signatureType')).toBe('sdk');
    expect(form.has('obfToken')).toBe(false);

    // The SDK turns Zoom's refusal into its generic 200 with Zoom's message, and the runner hears it.
    expect(result).toMatchObject({ ok: false, errorCode: 200, reason: 'Meeting does not exist.' });
    const fail = await log.waitFor((e) => e.type === 'connection-change' && e.change.state === 'Fail');
    expect(fail).toMatchObject({
      change: { state: 'Fail', errorCode: 200, reason: 'Meeting does not exist.' },
    });

    // The secrets went to Zoom in the body, and nowhere else.
    expectNoSecretLeaked([zak, signature, PASSCODE], seen, logLines);
    await page.close();
  });

  it('sends an OBF token instead of a ZAK when joining on behalf of a user', async () => {
    const user = rig.zoom.clients.credentials.botUser ?? '';
    const obfToken = await rig.zoom.clients.meetingTokens.mintObf(user, MEETING);
    const signature = await rig.zoom.clients.signatures.sign(MEETING);
    const { page, form, result } = await joinThroughRealSdk({
      browser: rig.browser,
      pagesOrigin: rig.pages.origin,
      params: { meetingNumber: MEETING, signature, userName: NAME, obfToken, customerKey: 'bot-contract-2' },
      answer: { status: false, errorCode: 13299, errorMessage: 'Token has expired.' },
    });
    // SDK 6.2.0 sends the OBF token later, in the meeting join after wc/info; holding one, it clears the
    // ZAK fields of wc/info (its request builder: `obfToken ? (ztk = '', zsk = '')`). So the OBF handover
    // shows here as the absence of any ZAK next to our signature, meeting and name.
    expect(form.get('ztk') ?? '').toBe('');
    expect(form.get('zsk') ?? '').toBe('');
    expect(form.get('signature')).toBe(signature);
    expect(form.get('meetingNumber')).toBe(MEETING);
    expect(form.get('userName')).toBe(NAME);
    expect(form.toString()).not.toContain(obfToken);
    expect(result).toMatchObject({ ok: false, errorCode: 200, reason: 'Token has expired.' });
    await page.close();
  });

  it('registers on the real client exactly connection-change and the meeting events of §11', async () => {
    const signature = await rig.zoom.clients.signatures.sign(MEETING);
    const { page, log } = await joinThroughRealSdk({
      browser: rig.browser,
      pagesOrigin: rig.pages.origin,
      params: { meetingNumber: MEETING, signature, userName: NAME, customerKey: 'bot-contract-3' },
      answer: { status: false, errorCode: 3001, errorMessage: 'Meeting does not exist.' },
    });
    // Names recorded by wrapping the real client's `on`: what the SDK was handed, not what the page meant.
    const init = log.events.find((e) => e.type === 'init-result');
    expect(init?.type === 'init-result' && new Set(init.listening)).toEqual(
      new Set(['connection-change', ...MEETING_SDK_EVENTS]),
    );
    await page.close();
  });
});
