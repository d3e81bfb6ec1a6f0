/**
 * Field names whose values are secrets wherever they appear in a log object. pino's redaction takes
 * explicit paths, so each name is listed at the top level and up to three levels down.
 */
export const SECRET_FIELD_NAMES = [
  'zak',
  'ztk',
  'obfToken',
  'token',
  'access_token',
  'accessToken',
  'signature',
  'password',
  'passWord',
  'passcode',
  'registrantToken',
  'tk',
  'clientSecret',
  'client_secret',
  'sdkSecret',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
  'apiKey',
  'ZOOM_CLIENT_SECRET',
  'ZOOM_SDK_SECRET',
  'JOB_ENCRYPTION_KEY',
  'WEBHOOK_SECRET',
  'TOKEN_CALLBACK_SECRET',
  'DASHBOARD_PASSWORD',
  'API_KEYS',
] as const;

export function redactionPaths(depth = 3): string[] {
  const paths: string[] = [];
  for (const name of SECRET_FIELD_NAMES) {
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : `["${name}"]`;
    let prefix = '';
    for (let level = 0; level <= depth; level++) {
      paths.push(`${prefix}${key}`);
      prefix += '*.';
    }
  }
  return paths;
}
