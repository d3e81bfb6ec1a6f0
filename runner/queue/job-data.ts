import { z } from 'zod';
import {
  type BotRequest,
  botAuthSchema,
  botRequestSchema,
  REQUEST_LIMITS,
} from '../../shared/bot-request.js';
import { DEFAULT_TENANT, tenantNameSchema } from '../../shared/tenant.js';
import { firstFieldIssue } from '../../shared/validation.js';
import { SECRET_FIELD_NAMES } from '../log/redaction.js';
import type { JobCrypto, SealedField } from './job-crypto.js';

const SEALED_FIELDS: readonly SealedField[] = [
  'passcode',
  'registrantToken',
  'webhookUrl',
  'authUrl',
  'metadata',
];

/** Layout 2 stores a token callback without its URL, which travels sealed. */
const storedAuthSchema = z.union([botAuthSchema, z.strictObject({ type: z.literal('callback') })]);

/**
 * The request as stored in the job: everything but what travels sealed beside it: the secrets and,
 * since layout 2, the webhook and callback URLs (their path or query may carry a receiver's token)
 * and `metadata` (the producer's own data). A layout 1 job, queued by an older version before a
 * rolling deploy, holds those three in clear and still runs.
 */
const storedRequestSchema = botRequestSchema
  .omit({ passcode: true, registrantToken: true })
  .extend({ auth: storedAuthSchema });

/** Data of one bot job. `v` tells the layouts apart: 1 (URLs and metadata in clear), 2 (sealed). */
export const jobDataSchema = z.strictObject({
  v: z.union([z.literal(1), z.literal(2)]),
  botId: z.string().min(1).max(REQUEST_LIMITS.botIdChars),
  request: storedRequestSchema,
  /** `SecretBox` envelopes (`v1.<iv>.<tag>.<ciphertext>`), bound to the bot id and field name. */
  sealed: z.strictObject({
    passcode: z.string().min(1).optional(),
    registrantToken: z.string().min(1).optional(),
    webhookUrl: z.string().min(1).optional(),
    /** The token callback's `auth.url`. */
    authUrl: z.string().min(1).optional(),
    /** `metadata` as JSON. */
    metadata: z.string().min(1).optional(),
  }),
  createdAt: z.iso.datetime(),
  /**
   * Who queued it (docs/contract.md §10), in clear: the worker checks the request's Zoom user against
   * that key's allowlist again before minting. Absent in jobs from before tenants (tenant `default`).
   */
  tenant: tenantNameSchema.optional(),
  /** The key's id (never the key); absent for trusted producers (the library, the CLI). */
  keyId: z.string().min(1).max(64).optional(),
});
export type JobData = z.infer<typeof jobDataSchema>;

/** The tenant and key a job was queued by. */
export interface JobOwner {
  tenant: string;
  keyId?: string | undefined;
}

export function buildJobData(
  botId: string,
  request: BotRequest,
  crypto: JobCrypto,
  createdAt: string,
  owner: JobOwner = { tenant: DEFAULT_TENANT },
): JobData {
  const { passcode, registrantToken, webhookUrl, metadata, auth, ...rest } = request;
  const clear: Partial<Record<SealedField, string>> = {
    passcode,
    registrantToken,
    webhookUrl,
    authUrl: auth.type === 'callback' ? auth.url : undefined,
    metadata: metadata === undefined ? undefined : JSON.stringify(metadata),
  };
  const sealed: JobData['sealed'] = {};
  for (const field of SEALED_FIELDS) {
    const value = clear[field];
    if (value !== undefined) sealed[field] = crypto.seal(botId, field, value);
  }
  return {
    v: 2,
    botId,
    request: { ...rest, auth: auth.type === 'callback' ? { type: 'callback' } : auth },
    sealed,
    createdAt,
    tenant: owner.tenant,
    ...(owner.keyId !== undefined ? { keyId: owner.keyId } : {}),
  };
}

export type ParsedJobData =
  | { ok: true; botId: string; request: BotRequest; createdAt: string; owner: JobOwner }
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
  const { botId, request, sealed, createdAt, tenant, keyId } = parsed.data;
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
  const { authUrl, metadata, ...secrets } = opened;
  let openedMetadata: unknown;
  try {
    openedMetadata = metadata === undefined ? undefined : JSON.parse(metadata);
  } catch {
    return { ok: false, reason: 'invalid_request', detail: 'job data sealed.metadata: not JSON' };
  }
  // Checked whole again: sealed values are only as valid as whoever sealed them.
  const full = botRequestSchema.safeParse({
    ...request,
    ...secrets,
    ...(openedMetadata !== undefined ? { metadata: openedMetadata } : {}),
    auth:
      request.auth.type === 'callback' && authUrl !== undefined
        ? { ...request.auth, url: authUrl }
        : request.auth,
  });
  if (!full.success) {
    const issue = firstFieldIssue(full.error);
    return {
      ok: false,
      reason: 'invalid_request',
      detail: `job data request.${issue.field}: ${issue.message}`,
    };
  }
  return {
    ok: true,
    botId,
    request: full.data,
    createdAt,
    owner: { tenant: tenant ?? DEFAULT_TENANT, ...(keyId !== undefined ? { keyId } : {}) },
  };
}

const REDACTED = '[redacted]';
const SECRET_KEYS = new Set<string>([
  ...SECRET_FIELD_NAMES,
  'sealed',
  'obf',
  'zak',
  'ZAK',
  'OBF',
  'metadata',
]);
/** Shown as their origin only: a path or query may carry a receiver's token (layout 1 jobs). */
const URL_KEYS = new Set<string>(['webhookUrl', 'url']);

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
    out[key] = SECRET_KEYS.has(key) ? REDACTED : URL_KEYS.has(key) ? originOnly(inner) : redactJobData(inner);
  }
  return out;
}

function originOnly(value: unknown): string {
  if (typeof value !== 'string') return REDACTED;
  try {
    const { origin } = new URL(value);
    return origin === 'null' ? REDACTED : origin;
  } catch {
    return REDACTED;
  }
}
