export * from './clock.ts';
export * from './errors.ts';
export * from './progress.ts';
export * from './rng.ts';
export * from './types.ts';
export * from './workload.ts';
