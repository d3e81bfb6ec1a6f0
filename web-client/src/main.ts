import ZoomMtgEmbedded from '@zoom/meetingsdk/embedded';
import type { PageChatRequest, PageInitOptions, PageJoinParams } from '../../shared/bridge.js';
import { DeadManSwitch, startBeating } from './liveness.js';
import { MeetingEventFeed, TICK_MS } from './meeting-events.js';
import { toPageParticipant, toPageParticipants } from './participants.js';
import { recordRegistrations } from './registrations.js';
import { describeFailure, report } from './report.js';

/**
 * The bot's page. It holds no state the runner needs to read back: join parameters arrive as the
 * argument of `zbrBot.join` and go straight to the SDK, so no other frame or global can see them.
 */
const client = ZoomMtgEmbedded.createClient();
const listening = recordRegistrations(client);
const root = document.getElementById('zoom-root') ?? document.body;
let initialised = false;
/** docs/contract.md §11: the meeting events, reported from `init` on. */
const meetingEvents = new MeetingEventFeed(client, report);
const deadMan = new DeadManSwitch((untouchedMs) => {
  client.leaveMeeting().catch(() => {
    // Not in a session any more: nothing to leave.
  });
  report({ type: 'self-left', untouchedMs });
});

function listen(): void {
  // Raw fields only: the runner validates every report, so the page carries no schema library.
  client.on('connection-change', (payload: { state?: unknown; reason?: unknown; errorCode?: unknown }) => {
    // The session is over: nothing left for the dead-man switch to leave.
    if (payload?.state === 'Closed') deadMan.disarm();
    report({
      type: 'connection-change',
      change: {
        state: String(payload?.state ?? ''),
        ...(typeof payload?.reason === 'string' ? { reason: payload.reason } : {}),
        ...(typeof payload?.errorCode === 'number' ? { errorCode: payload.errorCode } : {}),
      },
    });
  });
  const users = (type: 'user-added' | 'user-removed' | 'user-updated') => (payload: unknown) => {
    const self = client.getCurrentUser();
    report({ type, users: toPageParticipants(payload), self: self ? toPageParticipant(self) : null });
  };
  // Three calls, not a loop: `on` is overloaded per event name.
  client.on('user-added', users('user-added'));
  client.on('user-removed', users('user-removed'));
  client.on('user-updated', users('user-updated'));
  meetingEvents.listen();
  setInterval(() => meetingEvents.tick(), TICK_MS);
}

window.zbrBot = {
  async init(options: PageInitOptions) {
    if (initialised) {
      report({ type: 'init-result', ok: true, ...(listening ? { listening: [...listening] } : {}) });
      return;
    }
    try {
      await client.init({
        zoomAppRoot: root as HTMLElement,
        language: 'en-US',
        assetPath: options.assetPath,
        ...(options.webEndpoint !== undefined ? { webEndpoint: options.webEndpoint } : {}),
        patchJsMedia: true,
        leaveOnPageUnload: true,
      });
      initialised = true;
      listen();
      report({ type: 'init-result', ok: true, ...(listening ? { listening: [...listening] } : {}) });
    } catch (error) {
      report({ type: 'init-result', ok: false, ...describeFailure(error) });
    }
  },
  async join(params: PageJoinParams) {
    deadMan.arm();
    meetingEvents.reset();
    try {
      await client.join({
        meetingNumber: params.meetingNumber,
        signature: params.signature,
        userName: params.userName,
        password: params.password ?? '',
        customerKey: params.customerKey,
        ...(params.zak !== undefined ? { zak: params.zak } : {}),
        ...(params.obfToken !== undefined ? { obfToken: params.obfToken } : {}),
        ...(params.tk !== undefined ? { tk: params.tk } : {}),
        ...(params.userEmail !== undefined ? { userEmail: params.userEmail } : {}),
      });
      report({ type: 'join-result', ok: true });
    } catch (error) {
      report({ type: 'join-result', ok: false, ...describeFailure(error) });
    }
  },
  async leave() {
    deadMan.disarm();
    try {
      await client.leaveMeeting();
      report({ type: 'leave-result', ok: true });
    } catch (error) {
      report({ type: 'leave-result', ok: false, ...describeFailure(error) });
    }
  },
  touch() {
    deadMan.touch();
  },
  sendChat(request: PageChatRequest) {
    return meetingEvents.sendChat(request);
  },
};

window.addEventListener('error', (event) => report({ type: 'page-error', message: String(event.message) }));
window.addEventListener('unhandledrejection', (event) =>
  report({ type: 'page-error', message: describeFailure(event.reason).reason ?? 'unhandled rejection' }),
);

report({ type: 'ready', sdk: __ZBR_SDK__, crossOriginIsolated: window.crossOriginIsolated });
startBeating();
