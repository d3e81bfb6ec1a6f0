/** A configuration problem found at start-up. `variable` names the environment variable at fault. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
