import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, verifySignatureHeader } from '../../runner/http/signed-request.js';
import type { JoinCredentials } from '../../runner/supervisor/ports.js';
import { ZoomCredentialSource } from '../../runner/worker/credential-source.js';
import { type BotAuth, type BotRequest, botRequestSchema } from '../../shared/bot-request.js';
import { createSimClients, type SimClients } from '../../testkit/sim-clients.js';
import { captureLogger } from '../helpers/capture-logger.js';
import { useSim } from '../helpers/sim-harness.js';

/** The Zoom credential source against a started zoom-sim: one fresh mint per join attempt. */
const sim = useSim();
const SECRET = 'callback-secret-for-credential-tests-0123';
const { logger, lines } = captureLogger();
/** Every secret handed out in this file, to prove that none of them reached a log line. */
const secrets: string[] = [];
let withCallbacks: SimClients;
let withoutCallbacks: SimClients;
let source: ZoomCredentialSource;

/** A token-callback receiver, as a deployment that owns the Zoom users would run one. */
let callbackCount = 0;
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += String(chunk);
  });
  req.on('end', () => {
    if (!verifySignatureHeader(SECRET, String(req.headers[SIGNATURE_HEADER]), body)) {
      res.statusCode = 401;
      res.end();
      return;
    }
    const { botId, type } = JSON.parse(body) as { botId: string; type: string };
    callbackCount++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ zak: `receiver-zak-${type}-${botId}-${callbackCount}` }));
  });
});

beforeAll(async () => {
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  withCallbacks = await createSimClients(
    sim.sim,
    { TOKEN_CALLBACK_SECRET: SECRET, OUTBOUND_URL_ALLOWLIST: origin },
    { logger },
  );
  withoutCallbacks = await createSimClients(sim.sim, {}, { logger });
  source = new ZoomCredentialSource(withCallbacks.clients, { logger });
});

afterAll(async () => {
  await withCallbacks?.close();
  await withoutCallbacks?.close();
  receiver.closeAllConnections();
  receiver.close();
});

const receiverUrl = () => `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/zoom-token`;

function request(meetingNumber: string, auth: BotAuth): BotRequest {
  return botRequestSchema.parse({ meetingNumber, displayName: 'Note Taker', auth });
}

async function mint(botId: string, req: BotRequest, from = source): Promise<JoinCredentials> {
  const credentials = await from.mint(botId, req);
  for (const value of [credentials.signature, credentials.zak, credentials.obfToken]) {
    if (value) secrets.push(value);
  }
  return credentials;
}

/** Which user the sim minted a ZAK or OBF token for (the sim looks tokens up; they are opaque). */
function tokenOwner(token: string | undefined, type: 'zak' | 'obf') {
  const check = sim.sim.context.tokens.check(token ?? '', type);
  if (!check.ok) throw new Error(`the sim does not know this ${type}: ${check.problem}`);
  return check.record;
}

function signedMeeting(signature: string): string {
  const payload = JSON.parse(Buffer.from(signature.split('.')[1] ?? '', 'base64url').toString()) as {
    mn: string;
  };
  return payload.mn;
}

async function newUser(email: string): Promise<string> {
  return (await withCallbacks.clients.poolUsers.create({ email })).id;
}

describe('ZoomCredentialSource', () => {
  it('zak without a user: the service user, a signature for the meeting, a new ZAK every mint', async () => {
    const meeting = await sim.createMeeting();
    const req = request(meeting.number, { type: 'zak' });
    const first = await mint('bot-service', req);
    const second = await mint('bot-service', req);
    expect(signedMeeting(first.signature)).toBe(meeting.number);
    expect(signedMeeting(second.signature)).toBe(meeting.number);
    expect(first.zak).toBeDefined();
    expect(second.zak).not.toBe(first.zak);
    expect(tokenOwner(second.zak, 'zak').tokenId).not.toBe(tokenOwner(first.zak, 'zak').tokenId);
    expect(tokenOwner(first.zak, 'zak').userId).toBe(sim.credentials.serviceUser.id);
    expect(first.zoomUser).toBe(withCallbacks.clients.credentials.botUser?.toLowerCase());
    expect(first.obfToken).toBeUndefined();
  });

  it('zak for a named user: that user, held in the meeting against another bot', async () => {
    const meeting = await sim.createMeeting();
    const userId = await newUser('named.bot@example.com');
    const req = request(meeting.number, { type: 'zak', user: userId });
    const credentials = await mint('bot-named', req);
    expect(credentials.zoomUser).toBe(userId);
    expect(tokenOwner(credentials.zak, 'zak').userId).toBe(userId);
    await expect(mint('bot-other', req)).rejects.toMatchObject({ code: 'zoom_user_in_meeting' });
    await source.release('bot-named', req);
    expect((await mint('bot-other', req)).zoomUser).toBe(userId);
  });

  it("zak 'pool': a pool user reserved for the bot, never the same user twice in one meeting", async () => {
    const meeting = await sim.createMeeting();
    const pool = [await newUser('pool.one@example.com'), await newUser('pool.two@example.com')];
    await withCallbacks.clients.reservations.add(pool);
    const req = request(meeting.number, { type: 'zak', user: 'pool' });

    const a = await mint('bot-pool-a', req);
    const b = await mint('bot-pool-b', req);
    expect(pool).toContain(a.zoomUser);
    expect(pool).toContain(b.zoomUser);
    expect(b.zoomUser).not.toBe(a.zoomUser);
    expect(tokenOwner(a.zak, 'zak').userId).toBe(a.zoomUser);
    expect(tokenOwner(b.zak, 'zak').userId).toBe(b.zoomUser);
    // A rejoin keeps its user, on a new token.
    const again = await mint('bot-pool-a', req);
    expect(again.zoomUser).toBe(a.zoomUser);
    expect(again.zak).not.toBe(a.zak);
    // Both pool users are in this meeting: a third bot gets none of them.
    await expect(mint('bot-pool-c', req)).rejects.toMatchObject({ code: 'zoom_pool_exhausted' });
    // Another meeting has them all free again.
    const other = await sim.createMeeting();
    expect(pool).toContain(
      (await mint('bot-pool-c', request(other.number, { type: 'zak', user: 'pool' }))).zoomUser,
    );
    // Once a bot ends, its user is free for the next bot of the meeting.
    await source.release('bot-pool-a', req);
    expect((await mint('bot-pool-c', req)).zoomUser).toBe(a.zoomUser);
  });

  it('obf: a new OBF token of the authoriser, bound to the meeting, on every mint', async () => {
    const meeting = await sim.createMeeting();
    const authoriser = await newUser('authoriser@example.com');
    const req = request(meeting.number, { type: 'obf', user: authoriser });
    const first = await mint('bot-obf', req);
    const second = await mint('bot-obf', req);
    expect(first.zak).toBeUndefined();
    expect(first.zoomUser).toBe(authoriser);
    expect(second.obfToken).not.toBe(first.obfToken);
    expect(tokenOwner(first.obfToken, 'obf')).toMatchObject({
      userId: authoriser,
      meetingNumber: meeting.number,
    });
    expect(signedMeeting(first.signature)).toBe(meeting.number);
  });

  it('none: a signature only', async () => {
    const meeting = await sim.createMeeting();
    const credentials = await mint('bot-none', request(meeting.number, { type: 'none' }));
    expect(Object.keys(credentials)).toEqual(['signature']);
    expect(signedMeeting(credentials.signature)).toBe(meeting.number);
  });

  it('callback: asks the signed receiver on every mint', async () => {
    const meeting = await sim.createMeeting();
    const req = request(meeting.number, { type: 'callback', url: receiverUrl() });
    const first = await mint('bot-cb', req);
    const second = await mint('bot-cb', req);
    expect(first.zak).toMatch(/^receiver-zak-zak-bot-cb-\d+$/);
    expect(second.zak).not.toBe(first.zak);
    expect(first.zoomUser).toBeUndefined();
  });

  it('callback without TOKEN_CALLBACK_SECRET: refused with its code, nothing sent', async () => {
    const meeting = await sim.createMeeting();
    const before = callbackCount;
    const unsigned = new ZoomCredentialSource(withoutCallbacks.clients, { logger });
    const req = request(meeting.number, { type: 'callback', url: receiverUrl() });
    await expect(mint('bot-cb-unsigned', req, unsigned)).rejects.toMatchObject({
      name: 'TokenCallbackNotConfiguredError',
      code: 'token_callback_not_configured',
      retryable: false,
    });
    expect(callbackCount).toBe(before);
  });

  it('writes no token or signature to the log', () => {
    expect(secrets.length).toBeGreaterThan(20);
    expect(lines.some((line) => line.includes('minted join credentials'))).toBe(true);
    for (const secret of secrets) {
      const leaked = lines.filter((line) => line.includes(secret));
      expect(leaked).toEqual([]);
    }
  });
});
