/**
 * Redis replies that only mean "not now": loading a dump, a script running long, out of memory
 * under `noeviction`, a replica that cannot take writes yet, a failover in progress.
 */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|OOM|READONLY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|NOREPLICAS|MISCONF)\b/;

/** Errors of our own code (a bad script, a parse of a bad reply): the same call fails the same way. */
const DETERMINISTIC_NAMES = new Set(['ZodError', 'SyntaxError', 'TypeError', 'RangeError', 'ReferenceError']);

/**
 * Whether a failed Redis call may succeed if made again. Connection errors (refused, reset, closed,
 * timed out, ioredis' `MaxRetriesPerRequestError`) and the replies above are; a script error
 * (`ERR …`, `WRONGTYPE …`) or an error of our own code is not. Anything unknown counts as
 * transient: for a caller that must not lose what it writes, a retry is the safer mistake.
 */
export function isTransientRedisError(error: unknown): boolean {
  if (!(error instanceof Error)) return true;
  if (DETERMINISTIC_NAMES.has(error.name)) return false;
  if (error.name === 'ReplyError') return TRANSIENT_REPLIES.test(error.message);
  return true;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const CONNECTION_MESSAGES =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out/;

/**
 * Narrower than `isTransientRedisError`: errors that are known to come from Redis being away (a
 * connection error, ioredis giving up a command, a "not now" reply), never from our own code. Used
 * where treating an error as transient changes what happens to a bot (its job is left to stall
 * recovery instead of failed): an unknown error must still fail the job.
 */
export function isRedisUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return TRANSIENT_REPLIES.test(error.message);
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGES.test(error.message);
}
