import { z } from 'zod';
import {
  CAPTION_TEXT_MAX,
  CHAT_TEXT_MAX,
  LANGUAGE_MAX,
  NAME_MAX,
  SPEAKERS_MAX,
  stripNameControls,
  stripTextControls,
} from './meeting-event-bounds.js';

/**
 * docs/contract.md §11: what a bot records of its meeting, as the API, SSE stream and webhooks carry
 * it. The page reports these types (shared/bridge.ts, `meeting-events`); the runner adds `seq` and
 * `at`, and decides `ours`, which the page cannot know for other bots. The SDK events behind them
 * are listed in web-client/src/meeting-events.ts (`MEETING_SDK_EVENTS`).
 */

export const MEETING_EVENT_TYPES = [
  'participant.joined',
  'participant.left',
  'participant.updated',
  'speaker.changed',
  'chat.received',
  'chat.sent',
  'caption',
  'recording.changed',
] as const;
export type MeetingEventType = (typeof MEETING_EVENT_TYPES)[number];

/** The groups a request may ask webhooks for (`meetingEvents: [...]`); the first part of the type. */
export const MEETING_EVENT_CATEGORIES = ['participant', 'chat', 'caption', 'speaker', 'recording'] as const;
export type MeetingEventCategory = (typeof MEETING_EVENT_CATEGORIES)[number];

export function meetingEventCategory(type: MeetingEventType): MeetingEventCategory {
  return type.split('.')[0] as MeetingEventCategory;
}

export const PARTICIPANT_ROLES = ['host', 'cohost', 'attendee'] as const;
export const participantRoleSchema = z.enum(PARTICIPANT_ROLES);
export type ParticipantRole = z.infer<typeof participantRoleSchema>;

export const RECORDING_STATES = ['started', 'stopped', 'paused'] as const;
export const recordingStateSchema = z.enum(RECORDING_STATES);
export type RecordingState = z.infer<typeof recordingStateSchema>;

/** The SDK's `userId`: a non-negative integer, unique within one meeting session. */
export const participantIdSchema = z.int().nonnegative();

/** Bounded, and cleaned again on the way in: the page is not trusted to have done it. */
export const nameSchema = z.string().max(NAME_MAX).transform(stripNameControls);
export const chatTextSchema = z.string().min(1).max(CHAT_TEXT_MAX).transform(stripTextControls);
export const captionTextSchema = z.string().min(1).max(CAPTION_TEXT_MAX).transform(stripTextControls);
export const languageSchema = z
  .string()
  .max(LANGUAGE_MAX)
  .regex(/^[A-Za-z0-9-]+$/);
export const speakerIdsSchema = z.array(participantIdSchema).max(SPEAKERS_MAX);

/** `chat.sent` goes to everyone or to one participant. */
export const chatTargetSchema = z.union([z.literal('everyone'), participantIdSchema]);

export const participantDataSchema = z.object({
  participantId: participantIdSchema,
  name: nameSchema,
  role: participantRoleSchema,
  ours: z.boolean(),
});

export const chatReceivedDataSchema = z.object({
  from: z.object({ participantId: participantIdSchema, name: nameSchema }),
  to: z.enum(['everyone', 'me']),
  text: chatTextSchema,
  /** Set when the message was longer than `CHAT_TEXT_MAX` and was cut. */
  truncated: z.literal(true).optional(),
});

export const chatSentDataSchema = z.object({ to: chatTargetSchema, text: chatTextSchema });

export const captionDataSchema = z.object({
  participantId: participantIdSchema,
  name: nameSchema,
  text: captionTextSchema,
  language: languageSchema.optional(),
  truncated: z.literal(true).optional(),
});

export const speakerDataSchema = z.object({ participantIds: speakerIdsSchema });
export const recordingDataSchema = z.object({ state: recordingStateSchema });

const stored = {
  /** Per bot, from 1, in the order the runner recorded them. */
  seq: z.int().positive(),
  at: z.iso.datetime(),
};

/** One stored meeting event (`GET /v1/bots/:id/meeting-events`, SSE, webhooks). */
export const meetingEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...stored,
    type: z.enum(['participant.joined', 'participant.left', 'participant.updated']),
    data: participantDataSchema,
  }),
  z.object({ ...stored, type: z.literal('speaker.changed'), data: speakerDataSchema }),
  z.object({ ...stored, type: z.literal('chat.received'), data: chatReceivedDataSchema }),
  z.object({ ...stored, type: z.literal('chat.sent'), data: chatSentDataSchema }),
  z.object({ ...stored, type: z.literal('caption'), data: captionDataSchema }),
  z.object({ ...stored, type: z.literal('recording.changed'), data: recordingDataSchema }),
]);
export type MeetingEvent = z.infer<typeof meetingEventSchema>;
