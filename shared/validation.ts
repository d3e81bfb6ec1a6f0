import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `auth.user` or `leave.aloneSec`; empty for the whole body. */
  field: string;
  message: string;
}

/** The first issue of a failed parse, with the field named the way a caller wrote it. */
export function firstFieldIssue(error: z.ZodError): FieldIssue {
  const issue = error.issues[0];
  if (!issue) return { field: '', message: 'invalid value' };
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.map(String).join('.');
    const key = issue.keys[0] ?? '';
    return { field: parent ? `${parent}.${key}` : key, message: 'unknown field' };
  }
  return { field: issue.path.map(String).join('.'), message: issue.message };
}
