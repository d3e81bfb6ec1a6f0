import { z } from 'zod';
import { botStateSchema } from './bot-states.js';
import { endReasonSchema } from './end-reasons.js';
import { DEFAULT_TENANT, tenantNameSchema } from './tenant.js';

export const BOT_VIEW_EVENT_LIMIT = 50;

export const botEventSchema = z.object({
  at: z.iso.datetime(),
  state: botStateSchema,
  reason: z.string().optional(),
  code: z.union([z.string(), z.number()]).optional(),
});
export type BotEvent = z.infer<typeof botEventSchema>;

/** docs/contract.md §4: what callers see of a bot. Never a token or a passcode. */
export const botViewSchema = z.object({
  id: z.string().max(36),
  /** The tenant of the key that created it (§10). Views stored before tenants existed have none. */
  tenant: tenantNameSchema.default(DEFAULT_TENANT),
  state: botStateSchema,
  endReason: endReasonSchema.optional(),
  endCode: z.union([z.string(), z.number()]).optional(),
  endDetail: z.string().optional(),
  meetingNumber: z.string(),
  displayName: z.string(),
  attempts: z.number().int().nonnegative(),
  rejoins: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  events: z.array(botEventSchema).max(BOT_VIEW_EVENT_LIMIT),
});
export type BotView = z.infer<typeof botViewSchema>;
