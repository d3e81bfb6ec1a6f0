import { afterAll, afterEach, beforeAll } from 'vitest';
import { makeSdkSignature, type SdkSignatureInput } from '../../zoom-sim/client/sdk-signature.js';
import { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import type { MeetingView } from '../../zoom-sim/meetings/meeting.js';
import type { JoinParams } from '../../zoom-sim/protocol.js';
import type { RunningSim } from '../../zoom-sim/server.js';
import { type SimCredentials, startTestSim } from './sim.js';

/**
 * One sim per test file, reached only over real HTTP and WebSocket: what the runner sees. Every
 * participant opened through it is closed after each test.
 */
export function useSim() {
  let sim: RunningSim | undefined;
  let credentials: SimCredentials | undefined;
  let accessToken: string | undefined;
  const open: SimParticipant[] = [];

  beforeAll(async () => {
    sim = await startTestSim();
    credentials = (await (await fetch(`${sim.url}/_sim/credentials`)).json()) as SimCredentials;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  afterAll(async () => {
    await sim?.close();
  });

  const running = (): RunningSim => {
    if (!sim) throw new Error('sim not started');
    return sim;
  };
  const creds = (): SimCredentials => {
    if (!credentials) throw new Error('sim not started');
    return credentials;
  };

  const api = {
    get sim() {
      return running();
    },
    get credentials() {
      return creds();
    },

    /** A control or REST call; answers status and parsed body. */
    async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const response = await fetch(`${running().url}${path}`, init);
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },

    async createMeeting(settings: Record<string, unknown> = {}): Promise<MeetingView> {
      const { status, body } = await api.request('POST', '/_sim/meetings', settings);
      if (status !== 201) throw new Error(`create meeting: ${status} ${JSON.stringify(body)}`);
      return body as unknown as MeetingView;
    },

    async meeting(number: string): Promise<MeetingView> {
      return (await api.request('GET', `/_sim/meetings/${number}`)).body as unknown as MeetingView;
    },

    control(number: string, action: string, body?: unknown) {
      return api.request('POST', `/_sim/meetings/${number}/${action}`, body);
    },

    participantControl(number: string, id: number, action: string, body?: unknown) {
      return api.request('POST', `/_sim/meetings/${number}/participants/${id}/${action}`, body);
    },

    async addHuman(number: string, userName: string, userId?: string): Promise<number> {
      const { status, body } = await api.control(number, 'humans', {
        userName,
        ...(userId ? { userId } : {}),
      });
      if (status !== 201) throw new Error(`add human: ${status} ${JSON.stringify(body)}`);
      return body.id as number;
    },

    /** S2S OAuth, as the runner does it: Basic auth with the sim's client id and secret. */
    async bearer(): Promise<string> {
      if (accessToken) return accessToken;
      const { clientId, clientSecret, accountId } = creds();
      const response = await fetch(`${running().url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'account_credentials', account_id: accountId }),
      });
      const body = (await response.json()) as { access_token: string };
      accessToken = body.access_token;
      return accessToken;
    },

    async rest(method: string, path: string, body?: unknown) {
      return api.request(method, `/v2${path}`, body, { authorization: `Bearer ${await api.bearer()}` });
    },

    /** `GET /v2/users/:id/token?type=zak`: a fresh ZAK (the service user's by default). */
    async mintZak(userId = creds().serviceUser.id): Promise<string> {
      const { status, body } = await api.rest('GET', `/users/${encodeURIComponent(userId)}/token?type=zak`);
      if (status !== 200) throw new Error(`mint zak: ${status} ${JSON.stringify(body)}`);
      return body.token as string;
    },

    async mintObf(userId: string, meetingNumber: string): Promise<string> {
      const path = `/users/${encodeURIComponent(userId)}/token?type=onbehalf&meeting_id=${meetingNumber}`;
      const { status, body } = await api.rest('GET', path);
      if (status !== 200) throw new Error(`mint obf: ${status} ${JSON.stringify(body)}`);
      return body.token as string;
    },

    /** `POST /v2/users` (custCreate): a pool user with its own id. */
    async createUser(email: string): Promise<string> {
      const { status, body } = await api.rest('POST', '/users', {
        action: 'custCreate',
        user_info: { email, type: 1, first_name: 'Pool', last_name: 'Bot' },
      });
      if (status !== 201) throw new Error(`create user: ${status} ${JSON.stringify(body)}`);
      return body.id as string;
    },

    sign(meetingNumber: string, overrides: Partial<SdkSignatureInput> = {}): Promise<string> {
      const { sdkKey, sdkSecret } = creds();
      return makeSdkSignature({ sdkKey, sdkSecret, meetingNumber, ...overrides });
    },

    /** Joins with a good signature for `meetingNumber` unless `params` bring their own. */
    async join(meetingNumber: string, params: Partial<JoinParams> = {}): Promise<SimParticipant> {
      const participant = await SimParticipant.join(running().url, {
        meetingNumber,
        userName: 'Note Taker',
        signature: params.signature ?? (await api.sign(meetingNumber)),
        ...params,
      });
      open.push(participant);
      return participant;
    },

    /** Joins and expects to be in the meeting (`Connected`). */
    async joinConnected(meetingNumber: string, params: Partial<JoinParams> = {}): Promise<SimParticipant> {
      const participant = await api.join(meetingNumber, params);
      await participant.waitForConnection('Connected');
      return participant;
    },

    /** Joins and expects a refusal: returns its code. */
    async joinRefused(meetingNumber: string, params: Partial<JoinParams> = {}): Promise<number> {
      const participant = await api.join(meetingNumber, params);
      const result = await participant.joinResult();
      if (result.ok) throw new Error('join was accepted');
      await participant.waitForClose();
      return result.errorCode;
    },

    async stats() {
      return (await api.request('GET', '/_sim/stats')).body as {
        joinsAccepted: number;
        joinsRefused: Record<string, number>;
      };
    },
  };
  return api;
}

/** The participant with this id in a meeting view. */
export function participantIn(view: MeetingView, id: number) {
  const found = view.participants.find((p) => p.id === id);
  if (!found) throw new Error(`participant ${id} not in meeting ${view.number}`);
  return found;
}
