import { accessSync, constants, statSync } from 'node:fs';
import { PrerequisiteError } from '../lifecycle/prerequisite-error.js';

export const CHROMIUM_INSTALL_HINT =
  'Install it with `sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome executable.';

/**
 * Fails fast, naming CHROMIUM_PATH and the install command, when Chromium is not there: otherwise
 * the first bot would end with a launch error long after start-up said "ready".
 */
export function assertChromiumExecutable(chromiumPath: string): void {
  let problem: string | undefined;
  try {
    if (!statSync(chromiumPath).isFile()) problem = 'is not a file';
    else accessSync(chromiumPath, constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not executable'
          : `cannot be used (${code})`;
  }
  if (problem !== undefined) {
    throw new PrerequisiteError(
      'chromium_missing',
      `Chromium not found: CHROMIUM_PATH=${chromiumPath} ${problem}. ${CHROMIUM_INSTALL_HINT}`,
    );
  }
}
