import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type SimCredentials, startTestSim } from '../../testkit/sim.js';
import { makeSdkSignature, type SdkSignatureInput } from '../../zoom-sim/client/sdk-signature.js';
import { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import type { MeetingView } from '../../zoom-sim/meetings/meeting.js';
import type { ParticipantView } from '../../zoom-sim/meetings/participant.js';
import type { JoinParams } from '../../zoom-sim/protocol.js';
import type { RunningSim } from '../../zoom-sim/server.js';

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
    credentials = (await api.call('GET', '/_sim/credentials')) as unknown as SimCredentials;
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

    /**
     * A control or REST call; answers status and parsed body (`{text}` for a body that is not JSON),
     * whatever the status: for tests of the sim's own answers. A call that must work goes through `call`.
     */
    async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
      }
      const response = await fetch(`${running().url}${path}`, init);
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        if (text) parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = { text };
      }
      return { status: response.status, body: parsed };
    },

    /** A call that must succeed (2xx): answers the parsed body, or throws with the status and body. */
    async call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
      return api.checked(await api.request(method, path, body), `${method} ${path}`).body;
    },

    async createMeeting(settings: Record<string, unknown> = {}): Promise<MeetingView> {
      const { status, body } = await api.request('POST', '/_sim/meetings', settings);
      if (status !== 201) throw new Error(`create meeting: ${status} ${JSON.stringify(body)}`);
      return body as unknown as MeetingView;
    },

    async meeting(number: string): Promise<MeetingView> {
      return (await api.call('GET', `/_sim/meetings/${number}`)) as unknown as MeetingView;
    },

    /**
     * The one live copy of a bot in a meeting: its participant with `customerKey` = the bot id and
     * state `in_meeting`. Fails unless there is exactly one.
     */
    async botParticipant(number: string, botId: string): Promise<ParticipantView> {
      const view = await api.meeting(number);
      const live = view.participants.filter((p) => p.customerKey === botId && p.state === 'in_meeting');
      expect(live, `live participants of bot ${botId} in meeting ${number}`).toHaveLength(1);
      return live[0] as ParticipantView;
    },

    /** `POST /_sim/meetings/:number/:action`, which must succeed (it throws with the status otherwise). */
    async control(number: string, action: string, body?: unknown) {
      return api.checked(await api.tryControl(number, action, body), `${action} of meeting ${number}`);
    },

    /** Same, for a participant (`admit`, `drop`, `remove`, `leave`…). */
    async participantControl(number: string, id: number, action: string, body?: unknown) {
      return api.checked(
        await api.tryParticipantControl(number, id, action, body),
        `${action} of participant ${id} in meeting ${number}`,
      );
    },

    /** `control` answering whatever the sim answered: for tests of its refusals. */
    tryControl(number: string, action: string, body?: unknown) {
      return api.request('POST', `/_sim/meetings/${number}/${action}`, body);
    },

    tryParticipantControl(number: string, id: number, action: string, body?: unknown) {
      return api.request('POST', `/_sim/meetings/${number}/participants/${id}/${action}`, body);
    },

    /** The answer if it is a 2xx; otherwise throws with its status and body. */
    checked<T extends { status: number; body: Record<string, unknown> }>(answer: T, what: string): T {
      if (answer.status < 200 || answer.status > 299) {
        throw new Error(`zoom-sim ${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      return answer;
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
      if (response.status !== 200)
        throw new Error(`oauth token: HTTP ${response.status} ${await response.text()}`);
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
      return (await api.call('GET', '/_sim/stats')) as {
        oauthTokensIssued: number;
        zakMinted: number;
        obfMinted: number;
        joinsAccepted: number;
        joinsRefused: Record<string, number>;
        rateLimited: number;
      };
    },

    /** `GET /_sim/faults`: the faults armed, and how many requests each target answered with one. */
    async faults() {
      return (await api.call('GET', '/_sim/faults')) as {
        answered: { oauth: number; userToken: number };
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
