import { z } from 'zod';

/** Zoom meeting numbers are 9 to 11 digits today; 12 leaves room for the longest seen in the wild. */
export const MEETING_NUMBER_PATTERN = /^\d{9,12}$/;

/** Strips the spaces and dashes people paste from invitations ("812 3456 7890", "812-3456-7890"). */
export function normalizeMeetingNumber(raw: string): string {
  return raw.replace(/[\s-]/g, '');
}

export function isValidMeetingNumber(raw: string): boolean {
  return MEETING_NUMBER_PATTERN.test(normalizeMeetingNumber(raw));
}

export const meetingNumberSchema = z
  .string()
  .transform(normalizeMeetingNumber)
  .pipe(z.string().regex(MEETING_NUMBER_PATTERN, 'must be 9 to 12 digits (spaces and dashes are ignored)'));
