import { z } from 'zod';

/**
 * docs/contract.md §10: every API key, and every bot a key creates, belongs to a tenant. A bare
 * `API_KEYS` entry, the producer library and the CLI act as this one unless told otherwise.
 */
export const DEFAULT_TENANT = 'default';

/** Safe inside Redis key names and log lines as it is: nothing to escape. */
export const tenantNameSchema = z
  .string()
  .regex(/^[a-z0-9-]{1,32}$/, 'must be 1–32 characters of a-z, 0-9 and -');
export type TenantName = z.infer<typeof tenantNameSchema>;
