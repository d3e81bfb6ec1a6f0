import type { Config } from '../../config/config-table.js';
import type { Mode } from '../../config/mode.js';
import { resolveZoomCredentials, type ZoomCredentials } from '../../zoom/zoom-credentials.js';
import type { Ref } from '../part.js';
import { type Resource, resource } from '../resource.js';

export type ConfiguredMode = Exclude<Mode, { kind: 'embedded' }>;

/**
 * Which Zoom this process talks to and as whom (docs/contract.md §1). The API needs the service user
 * too: it decides the same-user rule (docs/contract.md §3).
 */
export function zoomCredentialsPart(config: Config, mode: Ref<ConfiguredMode>): Resource<ZoomCredentials> {
  return resource('zoom credentials', () => resolveZoomCredentials(config, mode.value));
}
