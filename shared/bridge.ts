import { z } from 'zod';
import {
  CHAT_REQUEST_ID_MAX,
  CUSTOMER_KEY_MAX,
  DROP_KINDS,
  EVENTS_PER_REPORT_MAX,
} from './meeting-event-bounds.js';
import {
  captionDataSchema,
  chatReceivedDataSchema,
  chatSentDataSchema,
  chatTextSchema,
  nameSchema,
  participantIdSchema,
  participantRoleSchema,
  recordingDataSchema,
  speakerDataSchema,
} from './meeting-events.js';
import { connectionChangeSchema } from './sdk-signals.js';

/**
 * The runner↔page bridge. The runner hands parameters to the page with `page.mainFrame().evaluate`
 * into the page's closure (never the URL, `exposeFunction` arguments or `evaluateOnNewDocument`, which
 * reach cross-origin iframes too); the page reports through one exposed function, `REPORT_FUNCTION`.
 * The runner validates every report with `pageMessageSchema` and ignores what does not parse.
 */

/** Name of the function the runner exposes to the page. */
export const REPORT_FUNCTION = 'zbrReport';
/** Name of the object the page puts on `window` for the runner to call. */
export const PAGE_API = 'zbrBot';

/** Not secret: where the SDK's assets and Zoom (or zoom-sim) are. */
export const pageInitOptionsSchema = z.strictObject({
  assetPath: z.string().min(1),
  /** Real SDK: a host such as `zoom.us`. Sim build: the sim's `host:port` or origin. */
  webEndpoint: z.string().min(1).optional(),
  language: z.string().default('en-US'),
});
export type PageInitOptions = z.input<typeof pageInitOptionsSchema>;

/** Secret: signature, tokens and passcode live only inside the page's closure and the SDK. */
export const pageJoinParamsSchema = z.strictObject({
  meetingNumber: z.string(),
  signature: z.string(),
  userName: z.string(),
  password: z.string().optional(),
  zak: z.string().optional(),
  obfToken: z.string().optional(),
  tk: z.string().optional(),
  userEmail: z.string().optional(),
  /** The bot id: Zoom shows it in participant reports. */
  customerKey: z.string().max(36),
});
export type PageJoinParams = z.infer<typeof pageJoinParamsSchema>;

export const pageParticipantSchema = z.object({
  userId: z.number(),
  userName: z.string(),
  isHost: z.boolean().optional(),
  isHold: z.boolean().optional(),
  customerKey: z.string().optional(),
});
export type PageParticipant = z.infer<typeof pageParticipantSchema>;

const failure = { errorCode: z.number().int().optional(), reason: z.string().max(1024).optional() };

/**
 * A participant as the page reports it in meeting events (docs/contract.md §11). The page knows only
 * whether it is the bot itself; the runner turns `self` and `customerKey` into the contract's `ours`.
 */
export const pageParticipantDataSchema = z.object({
  participantId: participantIdSchema,
  name: nameSchema,
  role: participantRoleSchema,
  self: z.boolean(),
  customerKey: z.string().max(CUSTOMER_KEY_MAX).optional(),
  /** The SDK's own reason for a leave or join that is not one (a network failover, the waiting room). */
  reason: z.enum(['failover', 'on hold']).optional(),
});
export type PageParticipantData = z.infer<typeof pageParticipantDataSchema>;

/** One meeting event as the page reports it: the contract's `type` and `data`, before `seq` and `at`. */
export const pageMeetingEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.enum(['participant.joined', 'participant.left', 'participant.updated']),
    data: pageParticipantDataSchema,
  }),
  z.object({ type: z.literal('speaker.changed'), data: speakerDataSchema }),
  z.object({ type: z.literal('chat.received'), data: chatReceivedDataSchema }),
  /** Reported by the page when its `sendChat` succeeded: the runner does not add one itself. */
  z.object({ type: z.literal('chat.sent'), data: chatSentDataSchema }),
  z.object({ type: z.literal('caption'), data: captionDataSchema }),
  z.object({ type: z.literal('recording.changed'), data: recordingDataSchema }),
]);
export type PageMeetingEvent = z.infer<typeof pageMeetingEventSchema>;
export type PageMeetingEventInput = z.input<typeof pageMeetingEventSchema>;

const chatRequestId = z.string().min(1).max(CHAT_REQUEST_ID_MAX);

/** Runner → page: `zbrBot.sendChat(request)`; the outcome comes back as a `chat-result` report. */
export const pageChatRequestSchema = z.strictObject({
  requestId: chatRequestId,
  text: chatTextSchema,
  /** A participant id; absent: everyone. */
  to: participantIdSchema.optional(),
});
export type PageChatRequest = z.input<typeof pageChatRequestSchema>;

/** How many events the page dropped (by kind) and how many texts it cut, since its last such report. */
export const droppedCountsSchema = z.partialRecord(z.enum(DROP_KINDS), z.int().nonnegative());

export const pageMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), sdk: z.enum(['zoom', 'sim']), crossOriginIsolated: z.boolean() }),
  z.object({
    type: z.literal('init-result'),
    ok: z.boolean(),
    /** Every SDK event name the page registered a listener for, in order (the contract test reads it). */
    listening: z.array(z.string().max(64)).max(64).optional(),
    ...failure,
  }),
  z.object({
    type: z.literal('join-result'),
    ok: z.boolean(),
    errorType: z.string().max(64).optional(),
    ...failure,
  }),
  z.object({ type: z.literal('connection-change'), change: connectionChangeSchema }),
  z.object({
    type: z.enum(['user-added', 'user-removed', 'user-updated']),
    users: z.array(pageParticipantSchema).max(1000),
    /** `getCurrentUser()` after the change: the runner reads `isHold` from it. */
    self: pageParticipantSchema.nullable(),
  }),
  z.object({ type: z.literal('leave-result'), ok: z.boolean(), ...failure }),
  z.object({ type: z.literal('page-error'), message: z.string().max(2048) }),
  /** Every `BEAT_INTERVAL_MS` (shared/liveness.ts) from load: a page silent for 10 s is hung. */
  z.object({ type: z.literal('beat') }),
  /**
   * The page left its meeting by itself: the runner had not touched it for `untouchedMs`. A frozen
   * runner may never read this; one that comes back sees the SDK's `Closed` as well.
   */
  z.object({ type: z.literal('self-left'), untouchedMs: z.number().int().nonnegative() }),
  /** What the bot saw in its meeting (docs/contract.md §11), in the order the SDK told the page. */
  z.object({
    type: z.literal('meeting-events'),
    events: z.array(pageMeetingEventSchema).min(1).max(EVENTS_PER_REPORT_MAX),
  }),
  /** At most about once a second, only when non-zero: a hostile meeting is cut down, and counted. */
  z.object({
    type: z.literal('meeting-events-dropped'),
    dropped: droppedCountsSchema,
    truncated: z.int().nonnegative(),
  }),
  /** The answer to `sendChat`: on success a `chat.sent` meeting event has been reported just before. */
  z.object({
    type: z.literal('chat-result'),
    requestId: chatRequestId,
    ok: z.boolean(),
    errorType: z.string().max(64).optional(),
    ...failure,
  }),
]);
export type PageMessage = z.infer<typeof pageMessageSchema>;

/** The page's globals, as both sides see them. */
export interface PageApi {
  init(options: PageInitOptions): Promise<void>;
  join(params: PageJoinParams): Promise<void>;
  leave(): Promise<void>;
  /** The runner is alive (every `TOUCH_INTERVAL_MS`): resets the page's dead-man switch. */
  touch(): void;
  /** Sends a chat message through the SDK's `sendChat`; the outcome is reported as `chat-result`. */
  sendChat(request: PageChatRequest): Promise<void>;
}

declare global {
  interface Window {
    /** Exposed by the runner (Puppeteer `exposeFunction`): the page's only way to report. */
    zbrReport?: (message: PageMessage) => Promise<void>;
    /** Set by the page: what the runner calls with `page.mainFrame().evaluate`. */
    zbrBot?: PageApi;
  }
}
