import { isStoredKeyId } from '../tenants/api-key-store.js';
import type { Principal } from '../tenants/principal.js';

/** How often an open stream re-reads its key: a revoked key's streams end within about this long. */
export const KEY_RECHECK_MS = 1_000;

/** What the watch reads: `ApiKeyStore.exists`. */
export interface KeyExistence {
  exists(id: string): Promise<boolean>;
}

export interface KeyWatch {
  /** True once a check found the key gone; stays true. */
  readonly revoked: boolean;
  /** Stops the checks (idempotent); call it when the stream ends, however it ends. */
  stop(): void;
}

/**
 * Keeps a long-lived response (an SSE stream) honest about its key: `apiKeyAuth` checks a key once,
 * when the request comes in, so a stream opened before `keys revoke` would otherwise deliver events
 * for as long as it stays open. For a key in Redis this re-reads it (one HEXISTS) every `intervalMs`,
 * one check after the other (never two at once, however slow Redis is), and calls `onRevoked` once,
 * when a check finds it gone. A Redis error counts as "still there": a blip must not cut every open
 * stream, and the next check decides. API_KEYS keys and trusted callers cannot be revoked while the
 * process runs: nothing is read for them.
 */
export function watchKeyStillValid(
  principal: Pick<Principal, 'keyId'>,
  keys: KeyExistence,
  options: { onRevoked: () => void; intervalMs?: number | undefined },
): KeyWatch {
  const { keyId } = principal;
  if (!isStoredKeyId(keyId)) return { revoked: false, stop: () => {} };
  const intervalMs = options.intervalMs ?? KEY_RECHECK_MS;
  let revoked = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(check, intervalMs);
    // A stream's own sockets keep the process alive; a pending check must not.
    timer.unref();
  };
  const check = async () => {
    timer = undefined;
    const exists = await keys.exists(keyId).catch(() => true);
    if (stopped) return;
    if (!exists) {
      revoked = true;
      stopped = true;
      options.onRevoked();
      return;
    }
    schedule();
  };
  schedule();
  return {
    get revoked() {
      return revoked;
    },
    stop: () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
