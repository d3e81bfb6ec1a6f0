import { describe, expect, it } from 'vitest';
import { botJobTitle } from '../../runner/dashboard/job-title.js';

const data = {
  v: 1,
  botId: 'b1',
  request: { meetingNumber: '81234567890', displayName: 'Notes', auth: { type: 'none' } },
  sealed: { passcode: 'v1.sealed' },
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('bull-board job titles', () => {
  it('state, display name and meeting from the bot view in the progress', () => {
    const progress = { id: 'b1', state: 'rejoining', displayName: 'Notes', meetingNumber: '81234567890' };
    expect(botJobTitle({ name: 'join', data, progress })).toBe('rejoining · Notes · 81234567890');
  });

  it('a job not taken yet (progress 0): name and meeting from the request', () => {
    expect(botJobTitle({ name: 'join', data, progress: 0 })).toBe('Notes · 81234567890');
  });

  it('a tenant other than the default is shown; the default is not', () => {
    const progress = {
      state: 'in_meeting',
      displayName: 'Notes',
      meetingNumber: '81234567890',
      tenant: 'acme',
    };
    expect(botJobTitle({ name: 'join', data, progress })).toBe(
      'in_meeting · Notes · 81234567890 · tenant acme',
    );
    expect(botJobTitle({ name: 'join', data: { ...data, tenant: 'acme' }, progress: 0 })).toBe(
      'Notes · 81234567890 · tenant acme',
    );
    expect(
      botJobTitle({
        name: 'join',
        data: { ...data, tenant: 'default' },
        progress: { ...progress, tenant: 'default' },
      }),
    ).toBe('in_meeting · Notes · 81234567890');
  });

  it('a job that is not a bot job keeps its own name', () => {
    expect(botJobTitle({ name: 'something', data: { other: true }, progress: 12 })).toBe('something');
    expect(botJobTitle({ name: 'x', data: 'text', progress: { state: 'nonsense' } })).toBe('x');
    expect(botJobTitle(null)).toBe('');
  });
});
