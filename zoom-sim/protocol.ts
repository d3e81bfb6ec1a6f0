import { z } from 'zod';

/**
 * The participant WebSocket protocol: one socket per meeting participant, JSON text frames, each
 * message a `type`-tagged object. The browser module (`zoom-sim/sdk/`) and the Node test client
 * (`zoom-sim/client/`) speak it; the server validates every frame against these schemas.
 *
 * Browser-safe: imports only zod.
 */

/** Path of the participant socket on the sim's port. */
export const PARTICIPANT_SOCKET_PATH = '/wc/sim';

/** Largest frame the server accepts: a join with a ZAK and signature is well under 8 KiB. */
export const MAX_FRAME_BYTES = 64 * 1024;

const token = z.string().min(1).max(4096);

/** Client → server: the arguments of the SDK's `join()` that matter to the meeting. */
export const joinMessageSchema = z.object({
  type: z.literal('join'),
  signature: token,
  meetingNumber: z.string().min(1).max(64),
  userName: z.string().min(1).max(256),
  password: z.string().max(256).optional(),
  zak: token.optional(),
  obfToken: token.optional(),
  customerKey: z.string().max(36).optional(),
  userEmail: z.string().max(256).optional(),
  tk: z.string().max(4096).optional(),
});
export type JoinMessage = z.infer<typeof joinMessageSchema>;
export type JoinParams = Omit<JoinMessage, 'type'>;

/** Client → server: the participant leaves on its own (the SDK's `leaveMeeting()`). */
export const leaveMessageSchema = z.object({ type: z.literal('leave') });

/** Longest chat text the sim takes from a participant; Zoom's own limit is not documented. */
export const CHAT_TEXT_MAX_CHARS = 4096;

/**
 * Client → server: the SDK's `sendChat(text, userId?)`. `ref` pairs the `chat-result` with the call;
 * `to` absent means everyone.
 */
export const chatMessageSchema = z.object({
  type: z.literal('chat'),
  ref: z.number().int().nonnegative(),
  text: z.string().min(1).max(CHAT_TEXT_MAX_CHARS),
  to: z.number().int().nonnegative().optional(),
});
export type ChatRequestMessage = z.infer<typeof chatMessageSchema>;

export const clientMessageSchema = z.discriminatedUnion('type', [
  joinMessageSchema,
  leaveMessageSchema,
  chatMessageSchema,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/**
 * A participant as the SDK's `Participant` describes it (`@zoom/meetingsdk/embedded`), with the fields
 * the sim can say something about. The sdk module checks at compile time that this fits the real type.
 */
export const sdkParticipantSchema = z.object({
  userId: z.number().int(),
  userName: z.string(),
  /** Deprecated alias of `userName` that the SDK still fills. */
  displayName: z.string(),
  audio: z.string(),
  muted: z.boolean(),
  isHost: z.boolean(),
  isCoHost: z.boolean(),
  /** True for anonymous joins: not attached to the account. */
  isGuest: z.boolean(),
  /** The Zoom user's profile picture URL; `''` when there is none (anonymous joins). */
  avatar: z.string(),
  isPhoneUser: z.boolean(),
  bRaiseHand: z.boolean(),
  /** On hold: in the waiting room. */
  isHold: z.boolean(),
  bHold: z.boolean(),
  video: z.boolean(),
  bVideoOn: z.boolean(),
  sharerOn: z.boolean(),
  feedback: z.number(),
  sharePause: z.boolean(),
  customerKey: z.string().optional(),
  isBotUser: z.boolean().optional(),
});
export type SdkParticipant = z.infer<typeof sdkParticipantSchema>;

export const CONNECTION_STATES = ['Connected', 'Reconnecting', 'Closed', 'Fail'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** Server → client: the SDK's `connection-change` payload, verbatim, tagged. */
export const connectionChangeMessageSchema = z.object({
  type: z.literal('connection-change'),
  state: z.enum(CONNECTION_STATES),
  reason: z.string().optional(),
  errorCode: z.number().int().optional(),
});
export type ConnectionChangeMessage = z.infer<typeof connectionChangeMessageSchema>;

/**
 * Server → client: the answer to `join`. Sent once the participant is in the meeting or on hold in
 * the waiting room; while the meeting has not started it is held back (a `Fail` 3008 comes instead).
 * A refusal is followed by the server closing the socket.
 */
export const joinResultMessageSchema = z.discriminatedUnion('ok', [
  z.object({
    type: z.literal('join-result'),
    ok: z.literal(true),
    participantId: z.number().int(),
    self: sdkParticipantSchema,
  }),
  z.object({
    type: z.literal('join-result'),
    ok: z.literal(false),
    errorCode: z.number().int(),
    reason: z.string(),
  }),
]);
export type JoinResultMessage = z.infer<typeof joinResultMessageSchema>;

const participantsEvent = <T extends 'user-added' | 'user-removed' | 'user-updated'>(type: T) =>
  z.object({ type: z.literal(type), participants: z.array(sdkParticipantSchema) });

export const userAddedMessageSchema = participantsEvent('user-added');
export const userRemovedMessageSchema = participantsEvent('user-removed');
export const userUpdatedMessageSchema = participantsEvent('user-updated');
export type ParticipantsEventMessage = z.infer<typeof userAddedMessageSchema>;
export type ParticipantsEventType = 'user-added' | 'user-removed' | 'user-updated';

/** The SDK's `ChatMessage`; a message to everyone has receiver `{name: 'Everyone', userId: 0}`. */
export const sdkChatMessageSchema = z.object({
  id: z.string(),
  message: z.string(),
  sender: z.object({ name: z.string(), userId: z.number().int(), avatar: z.string().optional() }),
  receiver: z.object({ name: z.string(), userId: z.number().int() }),
  timestamp: z.number(),
});
export type SdkChatMessage = z.infer<typeof sdkChatMessageSchema>;
export const EVERYONE_RECEIVER = { name: 'Everyone', userId: 0 } as const;

/** Server → client: a chat message for this participant (the SDK's `chat-on-message`). */
export const chatOnMessageSchema = z.object({
  type: z.literal('chat-on-message'),
  message: sdkChatMessageSchema,
});

/** Server → client: the answer to a `chat`; `sendChat()` resolves with `message` or rejects. */
export const chatResultMessageSchema = z.discriminatedUnion('ok', [
  z.object({
    type: z.literal('chat-result'),
    ref: z.number().int(),
    ok: z.literal(true),
    message: sdkChatMessageSchema,
  }),
  z.object({
    type: z.literal('chat-result'),
    ref: z.number().int(),
    ok: z.literal(false),
    /** The SDK's `ExecutedFailure` type. */
    errorType: z.enum(['INVALID_OPERATION', 'INVALID_PARAMETERS']),
    reason: z.string(),
  }),
]);
export type ChatResultMessage = z.infer<typeof chatResultMessageSchema>;

/** The payload of the SDK's `caption-message` (`source` and `language` are the SDK's enum numbers). */
export const sdkCaptionSchema = z.object({
  msgId: z.string(),
  userId: z.number().int(),
  displayName: z.string(),
  avatar: z.string().optional(),
  text: z.string(),
  source: z.number().int(),
  language: z.number().int(),
  timestamp: z.number(),
  done: z.boolean().optional(),
});
export type SdkCaption = z.infer<typeof sdkCaptionSchema>;
export const captionMessageSchema = z.object({
  type: z.literal('caption-message'),
  caption: sdkCaptionSchema,
});

/** The SDK's `ActiveSpeaker[]` of `active-speaker`. */
export const activeSpeakerMessageSchema = z.object({
  type: z.literal('active-speaker'),
  speakers: z.array(z.object({ userId: z.number().int(), displayName: z.string().optional() })),
});

/** The SDK's `RecordingStatusValue`, the payload of `recording-change`. */
export const SDK_RECORDING_STATUSES = ['Recording', 'Paused', 'Stopped'] as const;
export const recordingChangeMessageSchema = z.object({
  type: z.literal('recording-change'),
  status: z.enum(SDK_RECORDING_STATUSES),
});

/** Server → client: a frame the server could not accept; the server closes the socket after it. */
export const protocolErrorMessageSchema = z.object({ type: z.literal('error'), message: z.string() });

export const serverMessageSchema = z.union([
  joinResultMessageSchema,
  connectionChangeMessageSchema,
  userAddedMessageSchema,
  userRemovedMessageSchema,
  userUpdatedMessageSchema,
  chatOnMessageSchema,
  chatResultMessageSchema,
  captionMessageSchema,
  activeSpeakerMessageSchema,
  recordingChangeMessageSchema,
  protocolErrorMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  /** Left, ended, kicked, refused: the session is over as the preceding messages say. */
  normal: 1000,
  /** A frame that is not JSON or not a protocol message. */
  protocolError: 1008,
  /** The sim is shutting down. */
  goingAway: 1001,
} as const;
