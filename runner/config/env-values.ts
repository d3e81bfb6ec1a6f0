import { parse as parseShellWords } from 'shell-quote';
import { z } from 'zod';

/** Schemas for environment strings: each turns text into a typed value or a clear message. */

export const envInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Fractional values accepted ("1.5" seconds), never NaN. */
export const envNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?(\d+\.?\d*|\.\d+)$/, 'must be a number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];
export const envBool = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .refine((s) => TRUE_WORDS.includes(s) || FALSE_WORDS.includes(s), 'must be true or false')
  .transform((s) => TRUE_WORDS.includes(s));

export const envList = z.string().transform((s) =>
  s
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/**
 * A secret of at least `min` characters (a shorter one is guessable). Secrets' values are never
 * echoed: the message names the rule only, and `loadConfig` adds no value for secret variables.
 */
export const envSecret = (min: number) => z.string().min(min, `must be at least ${min} characters`);

export const envUrl = (protocols: RegExp) => z.url({ protocol: protocols, error: 'must be a valid URL' });

/** An origin such as `https://hooks.example.com` or `http://127.0.0.1:9000` (no path). */
export const envOriginList = envList.pipe(
  z.array(
    z.url({ protocol: /^https?$/, error: 'each entry must be an http(s) origin' }).refine((u) => {
      const url = new URL(u);
      return url.pathname === '/' && !url.search && !url.hash && u.replace(/\/$/, '') === url.origin;
    }, 'each entry must be an origin: scheme, host and port only'),
  ),
);

/** Splits flags as a shell would, quotes respected; refuses shell operators. */
export const envShellWords = z.string().transform((s, ctx) => {
  const words: string[] = [];
  for (const token of parseShellWords(s)) {
    if (typeof token !== 'string') {
      ctx.addIssue({
        code: 'custom',
        message: 'must be plain flags (no shell operators, globs or comments)',
      });
      return z.NEVER;
    }
    words.push(token);
  }
  return words;
});
