/**
 * Where faultline keeps what it downloads (cache) and the services it starts (instances).
 * FAULTLINE_CACHE_DIR overrides the cache root; FAULTLINE_HOME overrides where instances live.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string {
  if (process.env.FAULTLINE_CACHE_DIR) return process.env.FAULTLINE_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'faultline');
}

export function instancesDir(): string {
  return process.env.FAULTLINE_HOME
    ? join(process.env.FAULTLINE_HOME, 'instances')
    : join(cacheDir(), 'instances');
}
