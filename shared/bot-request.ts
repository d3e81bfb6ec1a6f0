import { z } from 'zod';
import { CHAT_TEXT_MAX } from './meeting-event-bounds.js';
import { MEETING_EVENT_CATEGORIES } from './meeting-events.js';
import { meetingNumberSchema } from './meeting-number.js';

/** Bounds that keep one request from pinning a worker slot or Redis memory forever. */
export const REQUEST_LIMITS = {
  displayNameChars: 64,
  /** Zoom caps customerKey at 36 characters, and the bot id travels as customerKey. */
  botIdChars: 36,
  maxDurationSec: 7 * 24 * 3600,
  waitSec: 24 * 3600,
  rejoinMax: 100,
  rejoinBackoffMs: 10 * 60 * 1000,
  dedupeKeyChars: 200,
  metadataEntries: 20,
  metadataKeyChars: 64,
  metadataValueChars: 512,
  secretChars: 1024,
  urlChars: 2048,
} as const;

// C0 and C1 control characters (tabs, newlines, escapes) have no place in a participant name.
// \p{Cc} is exactly that set.
const CONTROL_CHARS = /\p{Cc}/u;

export const displayNameSchema = z
  .string()
  .refine((s) => s.isWellFormed(), 'must be valid Unicode (no lone surrogates)')
  .transform((s) => s.trim())
  .refine((s) => s.length > 0, 'must not be empty')
  .refine(
    (s) => [...s].length <= REQUEST_LIMITS.displayNameChars,
    `must be at most ${REQUEST_LIMITS.displayNameChars} characters`,
  )
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

const httpUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(REQUEST_LIMITS.urlChars);

const secretStringSchema = z.string().min(1).max(REQUEST_LIMITS.secretChars);

const waitSecSchema = z.number().nonnegative().max(REQUEST_LIMITS.waitSec);

export const botAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('zak'), user: z.string().min(1).max(128).optional() }),
  z.strictObject({ type: z.literal('obf'), user: z.string().min(1).max(128) }),
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('callback'), url: httpUrlSchema }),
]);
export type BotAuth = z.infer<typeof botAuthSchema>;

export const leaveRulesSchema = z.strictObject({
  maxDurationSec: z.number().positive().max(REQUEST_LIMITS.maxDurationSec).optional(),
  aloneSec: waitSecSchema.optional(),
  waitingRoomSec: waitSecSchema.optional(),
  hostNotStartedSec: waitSecSchema.optional(),
  authoriserAbsentSec: waitSecSchema.optional(),
});
export type LeaveRules = z.infer<typeof leaveRulesSchema>;

export const rejoinPolicySchema = z.strictObject({
  max: z.number().int().nonnegative().max(REQUEST_LIMITS.rejoinMax).optional(),
  backoffMs: z.number().int().nonnegative().max(REQUEST_LIMITS.rejoinBackoffMs).optional(),
});
export type RejoinPolicy = z.infer<typeof rejoinPolicySchema>;

/**
 * docs/contract.md §11: `onJoin` is posted to everyone once, at the bot's first `in_meeting` (not after
 * rejoins): the line many organisations require before anything is captured.
 */
export const chatSettingsSchema = z.strictObject({
  onJoin: z.string().min(1).max(CHAT_TEXT_MAX).optional(),
});

/** docs/contract.md §11: the meeting-event groups also delivered as webhooks (`meeting.<type>`). */
export const meetingEventWebhooksSchema = z
  .array(z.enum(MEETING_EVENT_CATEGORIES))
  .max(MEETING_EVENT_CATEGORIES.length * 2)
  .transform((list) => [...new Set(list)]);

/** docs/contract.md §3: the body of `POST /v1/bots` and the producer library's argument. */
export const botRequestSchema = z.strictObject({
  meetingNumber: meetingNumberSchema,
  passcode: z.string().max(64).optional(),
  displayName: displayNameSchema,
  auth: botAuthSchema,
  registrantToken: secretStringSchema.optional(),
  email: z.email().max(254).optional(),
  joinAt: z.iso.datetime({ offset: true }).optional(),
  leave: leaveRulesSchema.optional(),
  rejoin: rejoinPolicySchema.optional(),
  dedupeKey: z.string().min(1).max(REQUEST_LIMITS.dedupeKeyChars).optional(),
  webhookUrl: httpUrlSchema.optional(),
  chat: chatSettingsSchema.optional(),
  meetingEvents: meetingEventWebhooksSchema.optional(),
  metadata: z
    .record(
      z.string().min(1).max(REQUEST_LIMITS.metadataKeyChars),
      z.string().max(REQUEST_LIMITS.metadataValueChars),
    )
    .refine(
      (m) => Object.keys(m).length <= REQUEST_LIMITS.metadataEntries,
      `must have at most ${REQUEST_LIMITS.metadataEntries} entries`,
    )
    .optional(),
});
/** What callers send (meeting number may contain spaces or dashes). */
export type BotRequestInput = z.input<typeof botRequestSchema>;
/** After validation: meeting number normalised, display name trimmed. */
export type BotRequest = z.infer<typeof botRequestSchema>;
