import { describe, expect, it } from 'vitest';
import { envKeyId } from '../../runner/tenants/env-api-keys.js';
import type { BotView } from '../../shared/bot-view.js';
import { botRequest, startApi } from './api-fixture.js';

const ACME_KEY = 'acme-audit-key-0123456789abcdef';

/** The `audit` lines the API wrote, parsed (pino JSON, one per line). */
function auditLines(lines: string[]): Record<string, unknown>[] {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === 'audit');
}

describe('audit log (docs/contract.md §10)', () => {
  it('one line per mutating call, refused ones included, with tenant, key id, action and bot, never the key', async () => {
    const api = await startApi({ API_KEYS: `acme:${ACME_KEY}`, TENANT_ZOOM_USERS: 'acme:*@acme.test' });
    const acme = (path: string, init: RequestInit & { json?: unknown } = {}) =>
      api.call(path, { ...init, headers: { Authorization: `Bearer ${ACME_KEY}` } });
    const created = await acme('/v1/bots', { method: 'POST', json: botRequest() });
    const bot = (await created.json()) as BotView;
    await (await acme(`/v1/bots/${bot.id}`)).body?.cancel();
    await (await acme('/v1/bots')).body?.cancel();
    await (await acme(`/v1/bots/${bot.id}`, { method: 'DELETE' })).body?.cancel();
    const refused = await acme('/v1/bots', {
      method: 'POST',
      json: botRequest({ auth: { type: 'zak', user: 'someone@else.test' } }),
    });
    expect(refused.status).toBe(403);
    // No key, no principal: a 401 is not a call of any tenant (and its key is not logged either).
    await (
      await api.call('/v1/bots', { method: 'POST', headers: { Authorization: 'Bearer nope' } })
    ).body?.cancel();

    const keyId = envKeyId(ACME_KEY);
    expect(auditLines(api.logLines)).toEqual([
      expect.objectContaining({ tenant: 'acme', keyId, action: 'bot.create', botId: bot.id, status: 201 }),
      expect.objectContaining({ tenant: 'acme', keyId, action: 'bot.leave', botId: bot.id, status: 202 }),
      expect.objectContaining({ tenant: 'acme', keyId, action: 'bot.create', status: 403 }),
    ]);
    expect(auditLines(api.logLines)[2]).not.toHaveProperty('botId');
    expect(api.logLines.join('\n')).not.toContain(ACME_KEY);
  });
});
