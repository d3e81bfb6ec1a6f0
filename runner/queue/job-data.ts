import { z } from 'zod';
import { type BotRequest, botRequestSchema, REQUEST_LIMITS } from '../../shared/bot-request.js';
import { firstFieldIssue } from '../../shared/validation.js';
import { SECRET_FIELD_NAMES } from '../log/redaction.js';
import type { JobCrypto, SealedField } from './job-crypto.js';

const SEALED_FIELDS: readonly SealedField[] = ['passcode', 'registrantToken'];

/** The request as stored in the job: everything but the secrets, which travel sealed beside it. */
const storedRequestSchema = botRequestSchema.omit({ passcode: true, registrantToken: true });

/** Data of one bot job. `v` lets a later layout be told apart from this one by a rolling deploy. */
export const jobDataSchema = z.strictObject({
  v: z.literal(1),
  botId: z.string().min(1).max(REQUEST_LIMITS.botIdChars),
  request: storedRequestSchema,
  /** `SecretBox` envelopes (`v1.<iv>.<tag>.<ciphertext>`), bound to the bot id and field name. */
  sealed: z.strictObject({
    passcode: z.string().min(1).optional(),
    registrantToken: z.string().min(1).optional(),
  }),
  createdAt: z.iso.datetime(),
});
export type JobData = z.infer<typeof jobDataSchema>;

export function buildJobData(
  botId: string,
  request: BotRequest,
  crypto: JobCrypto,
  createdAt: string,
): JobData {
  const { passcode, registrantToken, ...rest } = request;
  const sealed: JobData['sealed'] = {};
  if (passcode !== undefined) sealed.passcode = crypto.seal(botId, 'passcode', passcode);
  if (registrantToken !== undefined)
    sealed.registrantToken = crypto.seal(botId, 'registrantToken', registrantToken);
  return { v: 1, botId, request: rest, sealed, createdAt };
}

export type ParsedJobData =
  | { ok: true; botId: string; request: BotRequest; createdAt: string }
  /** The worker ends such a job `invalid_request` with `detail` as `endDetail` (no secret in it). */
  | { ok: false; reason: 'invalid_request'; detail: string };

/**
 * Checks and opens the data of a job as the worker received it. A job put into the queue by hand
 * (or by an older producer) can hold anything, so nothing here throws: the worker ends just that
 * bot `invalid_request` and carries on with the others.
 */
export function parseJobData(jobId: string | undefined, data: unknown, crypto: JobCrypto): ParsedJobData {
  const parsed = jobDataSchema.safeParse(data);
  if (!parsed.success) {
    const issue = firstFieldIssue(parsed.error);
    return {
      ok: false,
      reason: 'invalid_request',
      detail: `job data ${issue.field || '(root)'}: ${issue.message}`,
    };
  }
  const { botId, request, sealed, createdAt } = parsed.data;
  if (jobId !== botId) {
    return { ok: false, reason: 'invalid_request', detail: 'job data botId: differs from the job id' };
  }
  const opened: Partial<Record<SealedField, string>> = {};
  for (const field of SEALED_FIELDS) {
    const value = sealed[field];
    if (value === undefined) continue;
    const clear = crypto.open(botId, field, value);
    if (clear === undefined) {
      return {
        ok: false,
        reason: 'invalid_request',
        detail: `job data sealed.${field}: cannot be decrypted (another JOB_ENCRYPTION_KEY, or altered)`,
      };
    }
    opened[field] = clear;
  }
  return { ok: true, botId, request: { ...request, ...opened }, createdAt };
}

const REDACTED = '[redacted]';
const SECRET_KEYS = new Set<string>([...SECRET_FIELD_NAMES, 'sealed', 'obf', 'zak', 'ZAK', 'OBF']);

/**
 * A copy of job data (or anything shown next to it: progress, return values) safe to display: every
 * field named like a secret, at any depth, is replaced. The dashboard must show job data only
 * through this; sealed values are replaced too, so ciphertext does not invite guessing either.
 */
export function redactJobData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJobData);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key) ? REDACTED : redactJobData(inner);
  }
  return out;
}
