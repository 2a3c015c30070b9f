#!/usr/bin/env node
// The faultline command. Sources are TypeScript run through tsx, so a fresh clone works after `npm ci`
// with no build step; `npm run build` still type-checks and emits dist/ for those who want it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
// Client libraries (kafkajs, ioredis) can keep idle sockets and timers alive for a while after they are
// closed; the command's work is done, so exit once stdout and stderr are flushed.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
