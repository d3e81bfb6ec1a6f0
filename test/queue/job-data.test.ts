import { describe, expect, it } from 'vitest';
import { addBotJob } from '../../runner/queue/bot-queue.js';
import { jobCryptoFromKey } from '../../runner/queue/job-crypto.js';
import { type JobData, parseJobData, redactJobData } from '../../runner/queue/job-data.js';
import { BOT_JOB_NAME } from '../../runner/queue/queue-names.js';
import { OPERATOR } from '../../runner/tenants/principal.js';
import { dumpPrefix, makeQueueLayer, request } from './queue-fixture.js';

const PASSCODE = 'pass-9f3kQ2';
const REGISTRANT_TOKEN = 'reg-token-Zx81mPq0aa77';

describe('job data', () => {
  it('keeps passcode and registrant token out of Redis in clear, and the worker can open them', async () => {
    const { service, queue, crypto, redis, prefix, store } = makeQueueLayer();
    const { bot } = await service.enqueue(
      OPERATOR,
      request({ passcode: PASSCODE, registrantToken: REGISTRANT_TOKEN, auth: { type: 'zak' } }),
    );
    await store.record(bot.id, { state: 'minting' });
    const dump = await dumpPrefix(redis, prefix);
    expect(dump).toContain(bot.id);
    expect(dump).not.toContain(PASSCODE);
    expect(dump).not.toContain(REGISTRANT_TOKEN);
    expect(dump).not.toContain(Buffer.from(PASSCODE).toString('base64'));

    const job = await queue.getJob(bot.id);
    const parsed = parseJobData(job?.id, job?.data, crypto);
    expect(parsed).toMatchObject({
      ok: true,
      botId: bot.id,
      request: { passcode: PASSCODE, registrantToken: REGISTRANT_TOKEN, meetingNumber: '1234567890' },
    });
  });

  it('detects malformed job data put straight into the queue, without throwing', async () => {
    const { queue, crypto } = makeQueueLayer();
    const cases: [string, unknown, RegExp][] = [
      ['garbage', { hello: 'world' }, /job data/],
      ['not-an-object', 'just a string', /job data/],
      [
        'bad-field',
        {
          v: 1,
          botId: 'bad-field',
          request: request({ displayName: '' }),
          sealed: {},
          createdAt: new Date().toISOString(),
        },
        /request\.displayName/,
      ],
      [
        'other-id',
        { v: 1, botId: 'someone-else', request: request(), sealed: {}, createdAt: new Date().toISOString() },
        /botId/,
      ],
    ];
    for (const [id, data, detail] of cases) {
      // A foreign producer bypasses our types, as a hand-made job would.
      await queue.add(BOT_JOB_NAME, data as JobData, { jobId: id });
      const job = await queue.getJob(id);
      const parsed = parseJobData(job?.id, job?.data, crypto);
      expect(parsed.ok, id).toBe(false);
      if (!parsed.ok) {
        expect(parsed.reason).toBe('invalid_request');
        expect(parsed.detail).toMatch(detail);
      }
    }
  });

  it('refuses a sealed value opened with another key, for another bot, or altered', async () => {
    const { queue, crypto, service } = makeQueueLayer();
    const { bot } = await service.enqueue(OPERATOR, request({ passcode: PASSCODE }));
    const job = await queue.getJob(bot.id);
    const data = job?.data as JobData;
    expect(parseJobData(bot.id, data, jobCryptoFromKey('another-key-of-at-least-32-characters!!')).ok).toBe(
      false,
    );

    const moved = { ...data, botId: 'other-bot' };
    expect(parseJobData('other-bot', moved, crypto)).toMatchObject({ ok: false, detail: /sealed\.passcode/ });

    const sealed = data.sealed.passcode ?? '';
    const altered = { ...data, sealed: { passcode: `${sealed.slice(0, -2)}AA` } };
    expect(parseJobData(bot.id, altered, crypto).ok).toBe(false);
  });

  it('redacts secrets at any depth for display', async () => {
    const { crypto } = makeQueueLayer();
    const data = {
      v: 1,
      botId: 'b1',
      request: request({ auth: { type: 'zak' } }),
      sealed: { passcode: crypto.seal('b1', 'passcode', PASSCODE) },
      createdAt: new Date().toISOString(),
    };
    const shown = JSON.stringify(
      redactJobData({
        data,
        progress: { zak: 'zak-abc', obfToken: 'obf-abc', signature: 'sig-abc', passcode: 'p' },
      }),
    );
    for (const secret of ['zak-abc', 'obf-abc', 'sig-abc', data.sealed.passcode])
      expect(shown).not.toContain(secret);
    expect(shown).toContain('Note Taker');
    expect(shown).toContain('[redacted]');
  });

  it('adds jobs through addBotJob with the bot id as job id', async () => {
    const { queue, crypto } = makeQueueLayer();
    const data: JobData = {
      v: 1,
      botId: 'a'.repeat(36),
      request: { meetingNumber: '123456789', displayName: 'X', auth: { type: 'none' } },
      sealed: { passcode: crypto.seal('a'.repeat(36), 'passcode', 'p') },
      createdAt: new Date().toISOString(),
    };
    const job = await addBotJob(queue, data);
    expect(job.id).toBe('a'.repeat(36));
    expect(parseJobData(job.id, (await queue.getJob(job.id ?? ''))?.data, crypto)).toMatchObject({
      ok: true,
      request: { passcode: 'p' },
    });
  });
});
