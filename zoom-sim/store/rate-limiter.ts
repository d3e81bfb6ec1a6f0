// STUB: to be implemented (zoom-sim REST helper).
import type { SimConfig } from '../sim-config.js';

export class RateLimiter {
  constructor(readonly plan: SimConfig['plan']) {}
}
