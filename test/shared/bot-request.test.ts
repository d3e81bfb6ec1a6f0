import { describe, expect, it } from 'vitest';
import { botRequestSchema } from '../../shared/bot-request.js';
import { firstFieldIssue } from '../../shared/validation.js';

const valid = { meetingNumber: '812 3456-7890', displayName: 'Note Taker', auth: { type: 'zak' } };

function fieldOf(body: unknown): string {
  const result = botRequestSchema.safeParse(body);
  if (result.success) throw new Error('expected the request to be refused');
  return firstFieldIssue(result.error).field;
}

describe('bot request (docs/contract.md §3)', () => {
  it('strips spaces and dashes from the meeting number and trims the name', () => {
    const parsed = botRequestSchema.parse({ ...valid, displayName: '  Ünïcødé 会议 bot  ' });
    expect(parsed.meetingNumber).toBe('81234567890');
    expect(parsed.displayName).toBe('Ünïcødé 会议 bot');
  });

  it('accepts every auth variant', () => {
    for (const auth of [
      { type: 'zak' },
      { type: 'zak', user: 'pool' },
      { type: 'zak', user: 'bot2@example.com' },
      { type: 'obf', user: 'host@example.com' },
      { type: 'none' },
      { type: 'callback', url: 'https://tokens.example.com/zoom' },
    ]) {
      expect(botRequestSchema.safeParse({ ...valid, auth }).success, JSON.stringify(auth)).toBe(true);
    }
  });

  it('names the field of each validation error', () => {
    expect(fieldOf({ ...valid, meetingNumber: '1234' })).toBe('meetingNumber');
    expect(fieldOf({ ...valid, meetingNumber: 812345678 })).toBe('meetingNumber');
    expect(fieldOf({ ...valid, displayName: '   ' })).toBe('displayName');
    expect(fieldOf({ ...valid, displayName: 'x'.repeat(65) })).toBe('displayName');
    expect(fieldOf({ ...valid, displayName: 'bad\u0000name' })).toBe('displayName');
    expect(fieldOf({ ...valid, displayName: 'lone \ud800 surrogate' })).toBe('displayName');
    expect(fieldOf({ ...valid, auth: { type: 'obf' } })).toBe('auth.user');
    expect(fieldOf({ ...valid, auth: { type: 'magic' } })).toBe('auth.type');
    expect(fieldOf({ ...valid, auth: { type: 'callback', url: 'ftp://x.example.com' } })).toBe('auth.url');
    expect(fieldOf({ ...valid, leave: { aloneSec: -1 } })).toBe('leave.aloneSec');
    expect(fieldOf({ ...valid, leave: { maxDurationSec: 1e12 } })).toBe('leave.maxDurationSec');
    expect(fieldOf({ ...valid, rejoin: { max: 1.5 } })).toBe('rejoin.max');
    expect(fieldOf({ ...valid, joinAt: 'tomorrow' })).toBe('joinAt');
    expect(fieldOf({ ...valid, email: 'not-an-email' })).toBe('email');
    expect(fieldOf({ ...valid, metadata: { k: 1 } })).toBe('metadata.k');
  });

  it('refuses unknown fields, naming them', () => {
    expect(fieldOf({ ...valid, botName: 'x' })).toBe('botName');
    expect(fieldOf({ ...valid, leave: { afterSec: 3 } })).toBe('leave.afterSec');
  });

  it('counts 64 characters in code points, so any script fits', () => {
    expect(botRequestSchema.safeParse({ ...valid, displayName: '😀'.repeat(64) }).success).toBe(true);
    expect(botRequestSchema.safeParse({ ...valid, displayName: '😀'.repeat(65) }).success).toBe(false);
  });
});
