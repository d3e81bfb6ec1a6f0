import type { SimCredentials } from '../../testkit/sim.js';
import type { MeetingView } from '../../zoom-sim/meetings/meeting.js';
import type { ParticipantView } from '../../zoom-sim/meetings/participant.js';

/** `GET /_sim/credentials`: the sim's own test app and service user (one type with the tests'). */
export type SimAppCredentials = SimCredentials;

/** A control or REST call the sim refused: its status, and the body it answered (cut short). */
export class SimCallError extends Error {
  readonly code = 'sim_call_failed';
  constructor(
    readonly call: string,
    readonly status: number,
    readonly body = '',
  ) {
    super(`zoom-sim ${call}: HTTP ${status}${body ? ` ${body.slice(0, 500)}` : ''}`);
    this.name = 'SimCallError';
  }
}

/**
 * The sim's control API (`/_sim`) and the few REST calls a bare client makes, over real HTTP: what a
 * benchmark does to Zoom (create meetings, drop participants) and reads back (participants, history).
 */
export class SimControl {
  private bearer: Promise<string> | undefined;

  constructor(readonly url: string) {}

  async credentials(): Promise<SimAppCredentials> {
    return (await this.call('GET', '/_sim/credentials', 'credentials')) as unknown as SimAppCredentials;
  }

  async createMeeting(settings: Record<string, unknown> = {}): Promise<MeetingView> {
    return (await this.call(
      'POST',
      '/_sim/meetings',
      'create meeting',
      settings,
      201,
    )) as unknown as MeetingView;
  }

  async meeting(number: string): Promise<MeetingView> {
    return (await this.call('GET', `/_sim/meetings/${number}`, 'meeting')) as unknown as MeetingView;
  }

  /** The participants of `customerKey` (a bot id) now in the meeting. */
  async botParticipants(number: string, customerKey: string): Promise<ParticipantView[]> {
    const view = await this.meeting(number);
    return view.participants.filter((p) => p.customerKey === customerKey && p.state === 'in_meeting');
  }

  /** `/drop` with no body: `Fail -3000 'connection error'` at once (the SDK gave up). */
  async drop(number: string, participantId: number): Promise<void> {
    await this.call('POST', `/_sim/meetings/${number}/participants/${participantId}/drop`, 'drop');
  }

  async stats(): Promise<Record<string, unknown>> {
    return this.call('GET', '/_sim/stats', 'stats');
  }

  /** A fresh ZAK of the service user, as a bare client mints it (S2S OAuth token fetched once). */
  async mintZak(userId: string): Promise<string> {
    const response = await fetch(`${this.url}/v2/users/${encodeURIComponent(userId)}/token?type=zak`, {
      headers: { authorization: `Bearer ${await this.accessToken()}` },
    });
    if (response.status !== 200) throw new SimCallError('mint zak', response.status, await response.text());
    return ((await response.json()) as { token: string }).token;
  }

  private accessToken(): Promise<string> {
    this.bearer ??= (async () => {
      const { clientId, clientSecret, accountId } = await this.credentials();
      const response = await fetch(`${this.url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'account_credentials', account_id: accountId }),
      });
      if (response.status !== 200)
        throw new SimCallError('oauth token', response.status, await response.text());
      return ((await response.json()) as { access_token: string }).access_token;
    })();
    return this.bearer;
  }

  private async call(
    method: string,
    path: string,
    what: string,
    body?: unknown,
    expected = 200,
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
        : {}),
    });
    const text = await response.text();
    if (response.status !== expected) throw new SimCallError(what, response.status, text);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }
}
