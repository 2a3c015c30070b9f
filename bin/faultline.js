#!/usr/bin/env node
// The faultline command. Sources are TypeScript run through tsx, so a fresh clone works after `npm ci`
// with no build step; `npm run build` still type-checks and emits dist/ for those who want it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
