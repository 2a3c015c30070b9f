/**
 * Where faultline keeps what it downloads (cache) and the services it starts (instances).
 * FAULTLINE_CACHE_DIR overrides the cache root; FAULTLINE_HOME overrides where instances live.
 */
import { join } from 'node:path';
import { cacheDir } from '../../clients/host-tools.ts';

export { cacheDir };

export function instancesDir(): string {
  return process.env.FAULTLINE_HOME
    ? join(process.env.FAULTLINE_HOME, 'instances')
    : join(cacheDir(), 'instances');
}
