/**
 * Waits for `work` at most `ms`, then carries on whether it finished or not (its outcome, a rejection
 * included, is the caller's to observe elsewhere). The timer is cleared, so nothing is left pending.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    work,
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
