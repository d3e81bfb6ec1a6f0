/** The reconciler's lease passed to another process mid-round: this one stops acting at once. */
export class LeaseLostError extends Error {
  readonly code = 'lease_lost';
  constructor(readonly key: string) {
    super(`lost the reconciler lease ${key} during a round`);
    this.name = 'LeaseLostError';
  }
}
