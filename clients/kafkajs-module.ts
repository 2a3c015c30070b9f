/**
 * How faultline's kafkajs fixes take a kafkajs module's place: an entry in Node's require cache, put there before
 * kafkajs loads (clients/kafka.ts imports the fixes first), so kafkajs's own `require` gets the replacement.
 */
import Module, { createRequire } from 'node:module';

export const kafkajsRequire = createRequire(import.meta.url);

/**
 * Puts `exports` (marked `faultline`) in the cache as kafkajs's module `path`. A module system may evaluate a fix
 * more than once (vitest does per test file) while kafkajs loads once: a module replaced already is left alone.
 * If `requiredBy`, the kafkajs module that requires it, is loaded already, the replacement would come too late.
 */
export function replaceKafkajsModule(path: string, exports: object, requiredBy: string, fix: string): void {
  const file = kafkajsRequire.resolve(path);
  if ((kafkajsRequire.cache[file]?.exports as { faultline?: true } | undefined)?.faultline === true) return;
  if (kafkajsRequire.cache[kafkajsRequire.resolve(requiredBy)] !== undefined)
    throw new Error(`kafkajs was loaded before ${fix}: import kafkajs only through clients/kafka.ts`);
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = Object.assign(exports, { faultline: true as const });
  kafkajsRequire.cache[file] = m;
}
