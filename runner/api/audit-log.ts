import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log/logger.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The bot a mutating call acted on, when the route learns it only in its handler (a new bot). */
    auditBotId: string;
  }
}

/** Names of the mutating calls in the audit log. */
export type AuditAction = 'bot.create' | 'bot.leave' | 'bot.chat';

/**
 * docs/contract.md §10: one `audit` line per mutating call, `{tenant, keyId, action, botId, status}`,
 * refused calls included (a 403 or 429 says who tried what). Never the key: the principal holds
 * only its id. Runs after the handler (and after the error mapping, which Hono applies inside it).
 */
export function auditLog(logger: Logger, action: AuditAction): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const principal = c.get('principal');
    const botId = c.get('auditBotId') ?? c.req.param('id');
    logger.info(
      {
        tenant: principal.tenant,
        keyId: principal.keyId,
        action,
        ...(botId !== undefined ? { botId } : {}),
        status: c.res.status,
      },
      'audit',
    );
  };
}
