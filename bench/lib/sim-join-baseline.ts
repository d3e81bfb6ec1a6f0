import { makeSdkSignature } from '../../zoom-sim/client/sdk-signature.js';
import { SimParticipant } from '../../zoom-sim/client/sim-participant.js';
import type { SimControl } from './sim-control.js';

/**
 * What the sim itself costs a join: `count` bare participants (no queue, no browser) at once, each
 * minting a ZAK over REST (OAuth token already held), signing, and joining over the WebSocket until
 * `Connected`. The runner's join time minus this is the part that is ours.
 */
export async function bareSimJoins(
  control: SimControl,
  meetings: readonly string[],
  timeoutMs = 15_000,
): Promise<number[]> {
  const { sdkKey, sdkSecret, serviceUser } = await control.credentials();
  // Untimed: the OAuth token a real client would already hold.
  await control.mintZak(serviceUser.id);
  const participants: SimParticipant[] = [];
  try {
    return await Promise.all(
      meetings.map(async (meetingNumber, i) => {
        const startedMs = performance.now();
        const zak = await control.mintZak(serviceUser.id);
        const signature = await makeSdkSignature({ sdkKey, sdkSecret, meetingNumber });
        const participant = await SimParticipant.join(control.url, {
          meetingNumber,
          userName: `Baseline ${i + 1}`,
          signature,
          zak,
          customerKey: `baseline-${i + 1}`,
        });
        participants.push(participant);
        await participant.waitForConnection('Connected', undefined, timeoutMs);
        return performance.now() - startedMs;
      }),
    );
  } finally {
    await Promise.allSettled(participants.map((p) => p.leave()));
  }
}
