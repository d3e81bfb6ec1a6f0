/** `GET /_sim/stats`: what the sim has seen, for tests and benchmarks to count requests by. */
export class SimStats {
  oauthTokensIssued = 0;
  zakMinted = 0;
  obfMinted = 0;
  joinsAccepted = 0;
  joinsRefused: Record<string, number> = {};
  rateLimited = 0;

  refuse(code: number): void {
    const key = String(code);
    this.joinsRefused[key] = (this.joinsRefused[key] ?? 0) + 1;
  }

  toJSON() {
    return {
      oauthTokensIssued: this.oauthTokensIssued,
      zakMinted: this.zakMinted,
      obfMinted: this.obfMinted,
      joinsAccepted: this.joinsAccepted,
      joinsRefused: { ...this.joinsRefused },
      rateLimited: this.rateLimited,
    };
  }
}
