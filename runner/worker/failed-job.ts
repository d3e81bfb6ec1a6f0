import type { Logger } from '../log/logger.js';
import type { BotJob } from '../queue/bot-queue.js';
import { endForFailedJob } from '../queue/failed-job-end.js';
import type { JobCrypto } from '../queue/job-crypto.js';
import { parseJobData } from '../queue/job-data.js';
import type { BotRecorder, CredentialSource } from '../supervisor/ports.js';

export interface FailedJobDeps {
  recorder: BotRecorder;
  credentials: CredentialSource;
  ourBots: { remove(meetingNumber: string, botId: string): Promise<void> };
  crypto: () => Promise<JobCrypto>;
  logger: Logger;
}

/**
 * docs/contract.md §12: a bot whose job BullMQ failed ends with it. BullMQ fails a bot job in two
 * ways: the stall limit (the worker that takes the job after its fourth stall fails it unrun, so no
 * supervisor records anything), and a processor that threw. The view ends `internal_error`
 * (`too_many_stalls`, or `job_failed: <reason>`) through the normal record path, which releases the
 * dedupe key and same-user claim and publishes the change; a bot that had already ended is left as it
 * is. What the dead worker held is freed as at a normal end: its Zoom user in the meeting and its
 * entry among "our bots". Never throws (it runs from an event listener).
 */
export async function endBotOfFailedJob(
  job: BotJob | undefined,
  error: Error,
  deps: FailedJobDeps,
): Promise<void> {
  const botId = job?.id;
  if (!job || !botId) return;
  const change = endForFailedJob(job.failedReason || error.message);
  deps.logger.warn({ botId, endDetail: change.endDetail }, 'bot job failed; ending the bot');
  try {
    await deps.recorder.record(botId, change);
    const parsed = parseJobData(botId, job.data, await deps.crypto());
    if (!parsed.ok) return;
    await deps.credentials.release?.(botId, parsed.request);
    await deps.ourBots.remove(parsed.request.meetingNumber, botId);
  } catch (cause) {
    // The reconciler ends the view and frees the reservation on its next rounds.
    deps.logger.warn(
      { botId, err: cause instanceof Error ? cause.message : String(cause) },
      'could not finish a failed bot job',
    );
  }
}
