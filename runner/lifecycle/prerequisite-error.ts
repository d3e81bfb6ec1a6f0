/** Why a process cannot start: something it needs is missing or does not answer. */
export type PrerequisiteCode =
  | 'chromium_missing'
  | 'chromium_unusable'
  | 'port_in_use'
  | 'redis_server_missing'
  | 'redis_unreachable'
  | 'page_build_missing';

/**
 * A missing prerequisite, found before anything starts. The message says what is missing and the
 * command that installs it; the CLI prints it with the code and exits non-zero.
 */
export class PrerequisiteError extends Error {
  constructor(
    readonly code: PrerequisiteCode,
    message: string,
  ) {
    super(message);
    this.name = 'PrerequisiteError';
  }
}
