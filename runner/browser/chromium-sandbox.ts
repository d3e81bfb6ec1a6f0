/** CHROMIUM_SANDBOX: whether Chromium's own sandbox isolates its renderers (which run meeting content). */
export type SandboxMode = 'auto' | 'on' | 'off';

/** What a launch got, and why: logged once per worker, shown by `doctor`. */
export interface SandboxChoice {
  sandbox: boolean;
  why: string;
}

/**
 * The choice before any launch. `auto` as root is off without trying: Chromium refuses to start its
 * sandbox for root. Otherwise `auto` first tries with the sandbox (`fallback` then says what to do if
 * that launch fails: no user namespaces, a seccomp profile that forbids them).
 */
export function sandboxPlan(mode: SandboxMode, uid: number): { first: SandboxChoice; fallback?: boolean } {
  if (mode === 'off') return { first: { sandbox: false, why: 'CHROMIUM_SANDBOX=off' } };
  if (mode === 'on') return { first: { sandbox: true, why: 'CHROMIUM_SANDBOX=on' } };
  if (uid === 0)
    return {
      first: {
        sandbox: false,
        why: 'CHROMIUM_SANDBOX=auto and the worker runs as root (Chromium has no sandbox for root)',
      },
    };
  return { first: { sandbox: true, why: 'CHROMIUM_SANDBOX=auto: the kernel allows it' }, fallback: true };
}

/**
 * The choice after a sandboxed `auto` launch failed. The reason is Chromium's own line about its
 * sandbox when it printed one ("No usable sandbox!"), else the first line of the error.
 */
export function sandboxFallback(error: unknown): SandboxChoice {
  const lines = (error instanceof Error ? error.message : String(error)).split('\n').filter((l) => l.trim());
  const line = lines.find((l) => /sandbox/i.test(l)) ?? lines[0] ?? '';
  return {
    sandbox: false,
    why: `CHROMIUM_SANDBOX=auto: the sandboxed launch failed (${line.trim().slice(0, 200)})`,
  };
}

/**
 * Whether a failed launch is about the sandbox (no usable sandbox, no user namespaces), so that
 * `auto` may go on without it. Anything else (a timeout, memory) is not a reason to drop the
 * sandbox for the rest of the process: the launch fails as it would with the sandbox off.
 */
export function isSandboxFailure(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /sandbox|namespace|zygote|clone|setuid/i.test(message);
}
