export * from './clock.ts';
export * from './errors.ts';
export * from './progress.ts';
export * from './rng.ts';
export * from './stats.ts';
export * from './types.ts';
export * from './worker-id.ts';
export * from './workload.ts';
