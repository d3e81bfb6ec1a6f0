import { z } from 'zod';
import { botStateSchema } from '../../shared/bot-states.js';
import { DEFAULT_TENANT } from '../../shared/tenant.js';

/** What a bot job's title is made of: its progress (the bot view) and its data (the request). */
const titledJobSchema = z.object({
  name: z.string().optional(),
  progress: z
    .object({
      state: botStateSchema,
      displayName: z.string().optional(),
      meetingNumber: z.string().optional(),
      tenant: z.string().optional(),
    })
    .optional()
    .catch(undefined),
  data: z
    .object({
      request: z.object({ displayName: z.string(), meetingNumber: z.string() }).partial().optional(),
      tenant: z.string().optional(),
    })
    .optional()
    .catch(undefined),
});

/**
 * bull-board's `name` formatter for bot jobs: what an operator scans a list of a thousand jobs for,
 * `in_meeting · Notes · 81234567890`, with ` · tenant acme` for a tenant other than the default.
 * BullMQ's job name stays `join` (the worker and the queue depend on it); only the title shown
 * changes. The state comes from the job's progress (the bot view `BotStore` mirrors there on every
 * change); a job not yet picked up has no progress, so its title starts with the name. Only the
 * display name, meeting number and tenant are shown: none of them is a secret.
 */
export function botJobTitle(job: unknown): string {
  const parsed = titledJobSchema.safeParse(job);
  if (!parsed.success) return fallbackName(job);
  const { progress, data, name } = parsed.data;
  const displayName = progress?.displayName ?? data?.request?.displayName;
  const meetingNumber = progress?.meetingNumber ?? data?.request?.meetingNumber;
  const tenant = progress?.tenant ?? data?.tenant;
  const parts = [progress?.state, displayName, meetingNumber].filter((part) => part !== undefined);
  if (parts.length === 0) return name ?? '';
  if (tenant !== undefined && tenant !== DEFAULT_TENANT) parts.push(`tenant ${tenant}`);
  return parts.join(' · ');
}

function fallbackName(job: unknown): string {
  const name = (job as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : '';
}
