import { type RunningSim, startZoomSim } from '../../../zoom-sim/server.js';
import type { SimConfig } from '../../../zoom-sim/sim-config.js';
import { type Resource, resource } from '../resource.js';

/** A zoom-sim in this process (`sim`, and `start`'s embedded default: docs/contract.md §1). */
export function zoomSimPart(config: SimConfig): Resource<RunningSim> {
  return resource('zoom-sim', async (defer) => {
    const sim = await startZoomSim(config);
    defer('stop zoom-sim', () => sim.close());
    return sim;
  });
}

/** A meeting in a zoom-sim, created over its control API (the demo meeting of the embedded default). */
export function simMeetingPart(sim: {
  readonly value: { url: string };
}): Resource<{ meetingNumber: string }> {
  return resource('demo meeting', async () => {
    const response = await fetch(`${sim.value.url}/_sim/meetings`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    if (response.status !== 201) throw new Error(`demo meeting not created: HTTP ${response.status}`);
    const { number } = (await response.json()) as { number: string };
    return { meetingNumber: number };
  });
}
